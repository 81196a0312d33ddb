"""The app's frame: page config, navigation."""
import streamlit as st

st.set_page_config(page_title="Chỉ tiêu chuyển đổi số xã", page_icon="📊", layout="wide")

pages = [st.Page("pages/overview.py", title="Tổng quan", icon="📊", default=True)]
st.navigation(pages).run()
