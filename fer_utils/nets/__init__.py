"""The networks: chapter 4's building blocks in NumPy, the input and output ends
every network shares (:mod:`~fer_utils.nets.parts`), one module per family
(plain CNNs, mini-Xception, LC2FER, ResNets, random residual networks, transfer
learning), their costs, and the registry ``train`` reads names from."""
