"""Bulk import of households and residents from CSV or XLSX (DESIGN §3 item 3, §4).

Layout: ``columns`` (headers and value spellings), ``readers`` (files to rows), ``validate`` (one
row), ``stage`` (staging tables and the set-based SQL), ``pipeline`` (file → registry),
``report`` (XLSX error report, terminal tables), ``template`` (the downloadable template),
``messages`` (error texts), ``jobs`` (ImportJob services and selectors).
"""
