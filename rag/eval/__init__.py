"""Evaluation of retrieval and answers on real documents: `python -m rag.eval`."""
