"""jixiao: Chinese government performance self-evaluation forms (绩效自评表) → checked, structured data."""

__version__ = "0.1.0"
