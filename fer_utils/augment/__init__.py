"""Making more of the training faces: image transforms, the Keras augmentation
layers, class imbalance (weights, oversampling, focal loss) and the tf.data
input pipeline that applies them while training."""
