"""Text rules shared by ingest and answering: CJK scripts, words and their stop lists, sentences,
passages worded as instructions."""
