"""CĐS KPI dashboard core: catalogue, periods, scoring, storage, import/export. No Streamlit here."""
