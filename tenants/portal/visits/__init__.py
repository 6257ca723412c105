"""Reception of young people (P06): visit sheets, quick registration, kiosk check-in."""
