"""Layout-variant generator for golden/make_variants.py (issue 9): forms of many provincial layouts."""
