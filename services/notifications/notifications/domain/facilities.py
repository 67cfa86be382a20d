"""The state prisons a transfer notice may name, by the corrections department's codes."""
FACILITIES = {
    "ASP": "Avenal State Prison",
    "CAL": "Calipatria State Prison",
    "CCC": "California Correctional Center",
    "CCI": "California Correctional Institution",
    "CCWF": "Central California Women's Facility",
    "CEN": "Centinela State Prison",
    "CHCF": "California Health Care Facility",
    "CIM": "California Institution for Men",
    "CIW": "California Institution for Women",
    "CMC": "California Men's Colony",
    "CMF": "California Medical Facility",
    "COR": "California State Prison, Corcoran",
    "CRC": "California Rehabilitation Center",
    "CTF": "Correctional Training Facility",
    "CVSP": "Chuckawalla Valley State Prison",
    "FSP": "Folsom State Prison",
    "HDSP": "High Desert State Prison",
    "ISP": "Ironwood State Prison",
    "KVSP": "Kern Valley State Prison",
    "LAC": "California State Prison, Los Angeles County",
    "MCSP": "Mule Creek State Prison",
    "NKSP": "North Kern State Prison",
    "PBSP": "Pelican Bay State Prison",
    "PVSP": "Pleasant Valley State Prison",
    "RJD": "Richard J. Donovan Correctional Facility",
    "SAC": "California State Prison, Sacramento",
    "SATF": "California Substance Abuse Treatment Facility and State Prison, Corcoran",
    "SCC": "Sierra Conservation Center",
    "SOL": "California State Prison, Solano",
    "SQ": "San Quentin Rehabilitation Center",
    "SVSP": "Salinas Valley State Prison",
    "VSP": "Valley State Prison",
    "WSP": "Wasco State Prison",
}


def facility_name(code: str | None) -> str | None:
    """The prison's name (a proper name, the same in every language), else its code."""
    if not code:
        return None
    return FACILITIES.get(code.upper(), code.upper())
