// Reads an iCalendar feed the way Mozilla's ical.js does (Thunderbird, many web calendars)
// and prints each event's UID with the instants it starts and ends, as JSON.
//
//   node tests/js/ical_events.mjs feed.ics
//
// tests/schedule/test_ical_js.py runs it to check that the feed's VTIMEZONE places every
// meeting at the instant the schedule API gives.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = readFileSync(process.argv[2], "utf8");
const calendar = new ICAL.Component(ICAL.parse(text));

// A calendar app registers the feed's zones before reading its events' times.
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(zone));
}

const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  const allDay = event.startDate.isDate;
  return {
    uid: event.uid,
    all_day: allDay,
    start: allDay ? event.startDate.toString() : event.startDate.toJSDate().toISOString(),
    end: allDay ? event.endDate.toString() : event.endDate.toJSDate().toISOString(),
    tzid: allDay ? null : event.startDate.zone.tzid,
  };
});
process.stdout.write(JSON.stringify(events));
