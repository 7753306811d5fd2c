"""Typesetting: the text font and its fallbacks, LaTeX math laid out as glyph outlines,
and paragraphs that mix text and math. Output drivers (worksheets.output) draw with it;
it knows nothing of sheets or problems."""
