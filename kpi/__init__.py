"""CĐS KPI dashboard core: catalogue, periods, scoring, storage, import/export. No Streamlit here."""
import os as _os

# openpyxl writes with lxml whenever lxml is installed, and python-docx (the Word report) brings
# lxml: keep openpyxl on the standard-library writer and reader the workbooks have always been
# made and read with (defusedxml for reading), whatever else is installed.
_os.environ.setdefault("OPENPYXL_LXML", "False")
