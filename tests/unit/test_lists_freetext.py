"""Free-text dates and document numbers (service.lists.freedates, service.lists.idnumbers), on the
forms the DFAT workbook holds."""

from __future__ import annotations

import pytest

from service.engine.model import BirthDate, Document
from service.lists.freedates import birth_dates, day_month_year, whole_day_month_year
from service.lists.idnumbers import documents


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/11/1974", [BirthDate("1974-11-12")]),  # day first
        (" 19/08/1974", [BirthDate("1974-08-19")]),
        ("05.09.1990", [BirthDate("1990-09-05")]),
        ("1974", [BirthDate("1974")]),
        ("1965.", [BirthDate("1965")]),
        ("1 Jan. 1967", [BirthDate("1967-01-01")]),
        ("21. Jul 1997; 1993", [BirthDate("1997-07-21"), BirthDate("1993")]),
        ("24 Jan.1973", [BirthDate("1973-01-24")]),
        ("29-Aprl-1967", [BirthDate("1967-04-29")]),
        ("23-Apr-68", [BirthDate("1968-04-23")]),
        ("March 16, 1972", [BirthDate("1972-03-16")]),
        ("August, 1961", [BirthDate("1961-08")]),
        ("a) 03/1965; b) 04/1965", [BirthDate("1965-03"), BirthDate("1965-04")]),
        ("a) 09/10/1954; b) 09/11/ 1954", [BirthDate("1954-10-09"), BirthDate("1954-11-09")]),
        (
            "a) Approximately 1955- 1958 b) Approximately 1945-1950",
            [BirthDate("1955", "1958", True), BirthDate("1945", "1950", True)],
        ),
        ("Approximately 1963", [BirthDate("1963", circa=True)]),
        ("c. 1957 or 14 March 1942", [BirthDate("1957", circa=True), BirthDate("1942-03-14")]),
        ("approximately 1977/1978", [BirthDate("1977", "1978", True)]),
        ("1956-1957", [BirthDate("1956", "1957")]),
        ("Between 1963 and 1968", [BirthDate("1963", "1968")]),
        ("Between 1963 to 1968", [BirthDate("1963", "1968")]),
        ("1961 and 1962", [BirthDate("1961"), BirthDate("1962")]),  # "and" is a range only after "between"
        ("March 1968 to March 1969", [BirthDate("1968-03", "1969-03")]),
        ("a) Between Aug. and Sep 1977 b) 1976", [BirthDate("1977-08", "1977-09"), BirthDate("1976")]),
        ("14 Mar 1974 >> 13 Apr 1974", [BirthDate("1974-03-14"), BirthDate("1974-04-13")]),
        ("a) 1 Jan. 1966 b) Approximately 1964", [BirthDate("1966-01-01"), BirthDate("1964", circa=True)]),
        (
            "Approximately 1955. For this aka only, alt DOB 01/01/1969",
            [BirthDate("1955", circa=True), BirthDate("1969-01-01")],
        ),
        (
            "15 May 1968 (as Yasir Sabawi Ibrahim Hasan Al-Tikriti) 1970 (as Ali Thafir Abdallah)",
            [BirthDate("1968-05-15"), BirthDate("1970")],
        ),
        ("8 Aug. 1980, (appears in false Indonesian passport number S335026)", [BirthDate("1980-08-08")]),
        (
            "a) 19 Apr. 1982 b) 18 Apr. 1982 c) 24/06/1402 (Hijri Calendar)",
            [BirthDate("1982-04-19"), BirthDate("1982-04-18")],
        ),
        ("1959 b) 1959", [BirthDate("1959")]),  # once each
        ("1965, 29 March", [BirthDate("1965")]),
        ("Approximately (30-35 years old)", []),
        ("10/061962", []),
        ("31/02/1970", []),
        ("na", []),
    ],
)
def test_birth_dates(text, expected):
    assert birth_dates(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Passport no: a) 927234267 b) 108120258 (issued by the Democratic People's Republic of Korea on "
            "14 Feb. 2018; expiration date 14 Feb. 2023)",
            [("Passport", "927234267"), ("Passport", "108120258")],
        ),
        (
            "Afghan passport number OR 1961825 issued on 4 Feb. 2003. Afghan passport number OR1961825.",
            [("Passport", "OR 1961825")],
        ),  # one passport, however spaced
        (
            "Passport no.: F508591 National identification no.: Saudi Arabian national identification number "
            "1027508157. Review pursuant to Security Council resolution 1822 (2008)",
            [("Passport", "F508591"), ("National ID", "1027508157")],
        ),
        ("Russian passport number 96 03 464086, issued on 1 June 2003.", [("Passport", "96 03 464086")]),
        ("Passport No: Libya B/002210. Listed pursuant to paragraphs 15 and 17", [("Passport", "B/002210")]),
        ("Libya Passport no: na Libya G52FYPRL, issued on 8 May 2014", [("Passport", "G52FYPRL")]),
        ("Spanish Identity Card No: 44.556.097. Associated with ETA.", [("National ID", "44.556.097")]),
        ("Pakistani national identity card number 33202-7126636-9", [("National ID", "33202-7126636-9")]),
        (
            "Company Identification No.1203000004151; IMO Identification Number: 6183435 (Company)",
            [("Registration Number", "1203000004151"), ("IMO", "6183435")],
        ),
        (
            "Registration ID: 1149102099717 (Russia) Tax ID No: 9102048801",
            [("Registration Number", "1149102099717"), ("Tax ID", "9102048801")],
        ),
        # dates, years, other kinds of numbers and reference codes are no document numbers
        ("Yemen Passport no A005487 (Yemen) issued August 13 1995.", [("Passport", "A005487")]),
        ("Passport no.: 654435458 (exp. 26/11/2019).", [("Passport", "654435458")]),
        (
            "United States Passport No. 477845448; Driver's License No. 07442833, Texas",
            [("Passport", "477845448")],
        ),
        ("Passport: 403062567 (US). Social Security Number: 423-31-3021 (US).", [("Passport", "403062567")]),
        (
            "National identification no.: Saudi Arabia number 4-6032-0048-1 Financier of Lashkar-e-Tayyiba "
            "(listed under permanent reference number QE.L.118.05.).",
            [("National ID", "4-6032-0048-1")],
        ),
        ("Passport No.: 4138. Passport issued in 2003.", []),
        ("Believed to be in the Afghanistan/Pakistan border area as of 2012.", []),
    ],
)
def test_documents(text, expected):
    assert documents([text]) == [Document(kind, number) for kind, number in expected]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12/11/1967", "1967-11-12"),
        ("00/05/1965", "1965-05"),  # OFSI's unknown day
        ("dd/09/1958", "1958-09"),  # the UK Sanctions List's
        ("dd/mm/1968", "1968"),
        ("05/1965", "1965-05"),
        ("1985", "1985"),
        ("31/02/1970", None),
        ("xx/05/1965", None),
        ("12/11/67", None),
    ],
)
def test_uk_day_month_year(value, expected):
    birth = day_month_year(value)
    assert (birth.date if birth else None) == expected
    assert whole_day_month_year(value) == (expected if expected and len(expected) == 10 else None)
