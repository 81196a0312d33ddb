"""The ASGI app `python -m kpi.web.serve` runs: Streamlit's server for app.py plus the app's own
routes: the session cookie's (`kpi.web.session_route`) and the sensitive downloads'
(`kpi.web.download_route`)."""
from pathlib import Path

import streamlit as st
from starlette.routing import Route

from kpi.web import download_route
from kpi.web.session_route import ROUTE, session_cookie

APP = Path(__file__).resolve().parents[2] / "app.py"

app = st.App(str(APP), routes=[Route(ROUTE, session_cookie, methods=["POST", "DELETE"]),
                               Route(download_route.ROUTE, download_route.download, methods=["GET"])])
