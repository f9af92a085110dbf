# Lint as: python2, python3
# Source: tensorflow/models — research/deeplab/core/utils.py
# Pattern: TensorFlow's tf.image.resize_bilinear(..., align_corners=True) inside a
# project function named `resize_bilinear`; not torch -> not reported. Trimmed.
"""This script contains utility functions."""
import tensorflow as tf


def resize_bilinear(images, size, output_dtype=tf.float32):
  """Returns resized images as output_type."""
  images = tf.image.resize_bilinear(images, size, align_corners=True)
  return tf.cast(images, dtype=output_dtype)
