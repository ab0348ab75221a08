"""The data: emotion labels, the dataset type, loaders for FER-2013 (CSV and
image folders) and RAF-DB, their cache, finding the data, the synthetic demo
set, descriptive statistics and the data-quality audit."""
