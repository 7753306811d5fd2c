"""Output drivers: each turns a worksheets.document.Sheet into one format."""
