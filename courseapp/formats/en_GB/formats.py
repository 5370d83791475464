"""The admin's and Django's own dates read as the rest of the app's (courseapp/dates.py)."""

from courseapp.dates import DAY, MOMENT, TIME

DATE_FORMAT = DAY
SHORT_DATE_FORMAT = DAY
DATETIME_FORMAT = MOMENT
SHORT_DATETIME_FORMAT = MOMENT
TIME_FORMAT = TIME
# A day in the admin's date drill-down.
MONTH_DAY_FORMAT = DAY
