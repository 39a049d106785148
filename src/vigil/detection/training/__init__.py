"""Training and evaluation of Vigil's text models (``vigil train``, ``benchmarks/detection.py``)."""
