"""Evidence (tài liệu kiểm chứng): checks of a file by its content, safe names for the pack.
Pure functions, no I/O; the store keeps the rows, the use cases keep the files."""
