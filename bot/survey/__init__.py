"""SIP-kollen: the participation survey after meetings, its anonymous answers and the reports."""
