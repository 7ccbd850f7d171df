"""Remote consultation requests between facilities (hub and spoke, Circular 49/2017/TT-BYT)."""
