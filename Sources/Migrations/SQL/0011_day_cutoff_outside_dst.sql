-- 0011 day cutoff outside the daylight-saving hours: a shop's business day may not end between
-- 01:00 and 03:00 local time, where clocks jump or repeat an hour (02:00-03:00 in Europe/Paris,
-- 01:00-02:00 in Europe/London). There the same wall-clock cutoff happens twice or not at all,
-- and the SQL function ocpizza_business_date and the domain's BusinessCalendar would have to
-- agree on a convention nobody at a till would guess. OC Pizza closes at 04:00.
ALTER TABLE pizzeria
    ADD CONSTRAINT pizzeria_day_cutoff_outside_dst
        CHECK (day_cutoff < time '01:00' OR day_cutoff >= time '03:00');
