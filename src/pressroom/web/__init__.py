"""The operations dashboard: the doctor's sections as server-rendered pages under /dashboard.

`pressroom.web.app.create_dashboard` builds the application; `pressroom dashboard` serves it on
loopback. It needs an admin API key, renders every section generically (findings, tables, SVG
charts), explains plans, and offers a few confirmed actions (cancel or terminate a backend, reset
query statistics, take a snapshot, create a recommended index).
"""
