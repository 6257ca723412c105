"""The team's meetings at work (issue 6 §4, P03): the weekly coordination meeting, the monthly
management meeting and the semester meeting, each a record that gathers what to review."""
