-- 0003 shops and people: pizzerias (many from day one), their staff, customers and addresses.
--
-- Conventions of the business schema (0003-0009):
--   * identity primary keys; natural keys (shop code, SKUs, SIREN...) are UNIQUE beside them;
--   * every fact table carries pizzeria_id; child rows of a per-shop fact carry it too, with a
--     composite foreign key, so a row never disagrees with its parent (and shards with it);
--   * enumerations are text columns with a named CHECK: values are snake_case;
--   * money in integer cents (bigint, columns ending in _cents); VAT rates are numeric(5,4)
--     fractions (0.0550, 0.1000, 0.2000), never percents or basis points;
--   * quantities are numeric(14,3) in the ingredient's base unit (g, ml or piece);
--   * business_date is computed by the program from the shop's timezone and day_cutoff
--     (ocpizza_business_date() below is the same rule in SQL, for reports and checks).

-- True when PostgreSQL knows the time zone name (used by CHECK constraints).
CREATE FUNCTION ocpizza_is_time_zone(name text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM now() AT TIME ZONE name;
    RETURN name IS NOT NULL AND name <> '';
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN false;
END;
$$;

-- A postal address (shop or customer). Orders keep their own snapshot, never a reference.
CREATE TABLE address (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    line1         text NOT NULL CHECK (line1 <> ''),
    line2         text,
    postcode      text NOT NULL CHECK (postcode <> ''),
    city          text NOT NULL CHECK (city <> ''),
    country_code  char(2) NOT NULL DEFAULT 'FR' CHECK (country_code ~ '^[A-Z]{2}$'),
    latitude      numeric(9,6) CHECK (latitude BETWEEN -90 AND 90),
    longitude     numeric(9,6) CHECK (longitude BETWEEN -180 AND 180),
    created_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE address IS 'A postal address of a shop or a customer (orders snapshot theirs as jsonb).';

CREATE TABLE pizzeria (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code           text NOT NULL UNIQUE CONSTRAINT pizzeria_code_format CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{1,15}$'),
    name           text NOT NULL CHECK (name <> ''),
    address_id     bigint NOT NULL REFERENCES address,
    phone          text,
    email          text,
    timezone       text NOT NULL DEFAULT 'Europe/Paris'
                   CONSTRAINT pizzeria_timezone_known CHECK (ocpizza_is_time_zone(timezone)),
    day_cutoff     time NOT NULL DEFAULT '04:00' CONSTRAINT pizzeria_day_cutoff_morning CHECK (day_cutoff < '12:00'),
    opening_hours  jsonb NOT NULL DEFAULT '{}'
                   CONSTRAINT pizzeria_opening_hours_shape CHECK (
                       jsonb_typeof(opening_hours) = 'object'
                       AND opening_hours - '{mon,tue,wed,thu,fri,sat,sun}'::text[] = '{}'::jsonb),
    opened_on      date NOT NULL,
    closed_on      date CONSTRAINT pizzeria_closed_after_opened CHECK (closed_on >= opened_on),
    created_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pizzeria IS 'A shop of the chain (open, planned or closed), with its time zone and business-day cutoff.';
COMMENT ON COLUMN pizzeria.code IS 'natural key shown to people and used in files: upper case, e.g. PAR11, BOULOGNE';
COMMENT ON COLUMN pizzeria.day_cutoff IS
    'local time at which the business day changes: sales before it belong to the previous business date';
COMMENT ON COLUMN pizzeria.opening_hours IS
    'per weekday (keys mon..sun, a missing key = closed), a list of [open, close] local times "HH:MM", e.g. '
    '{"mon": [["11:30","14:30"],["18:00","23:00"]], "sun": []}; a close earlier than its open ends after midnight';
COMMENT ON COLUMN pizzeria.opened_on IS 'first trading day (in the future for a shop about to open)';
CREATE INDEX pizzeria_address_idx ON pizzeria (address_id);

-- The business date of an instant in a shop: local wall-clock time minus the cutoff, as a date.
-- Right across daylight-saving changes because the subtraction happens on local time.
CREATE FUNCTION ocpizza_business_date(p_pizzeria_id bigint, p_at timestamptz) RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT ((p_at AT TIME ZONE p.timezone) - p.day_cutoff)::date FROM pizzeria p WHERE p.id = p_pizzeria_id
$$;

CREATE TABLE employee (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pizzeria_id    bigint REFERENCES pizzeria,
    role           text NOT NULL CONSTRAINT employee_role_known CHECK (role IN (
                       'order_taker', 'pizzaiolo', 'driver', 'stock_keeper', 'manager', 'head_office', 'accountant')),
    full_name      text NOT NULL CHECK (full_name <> ''),
    phone          text,
    email          text,
    password_hash  text,
    active         boolean NOT NULL DEFAULT true,
    hired_on       date,
    left_on        date CHECK (left_on >= hired_on),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT employee_shop_unless_head_office
        CHECK (pizzeria_id IS NOT NULL OR role IN ('head_office', 'accountant'))
);
COMMENT ON TABLE employee IS
    'A person working for the chain, with one role, in one shop (no shop only for head office and accountants).';
COMMENT ON COLUMN employee.password_hash IS 'a password hash (argon2id/bcrypt string), never the password; NULL = no login';
CREATE INDEX employee_pizzeria_idx ON employee (pizzeria_id);
CREATE UNIQUE INDEX employee_email_key ON employee (lower(email)) WHERE email IS NOT NULL;

CREATE TABLE customer (
    id                         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone                      text UNIQUE CONSTRAINT customer_phone_e164 CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    full_name                  text,
    email                      text,
    password_hash              text,
    anonymous_for_pizzeria_id  bigint UNIQUE REFERENCES pizzeria,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT customer_phone_or_anonymous CHECK ((phone IS NULL) <> (anonymous_for_pizzeria_id IS NULL))
);
COMMENT ON TABLE customer IS
    'A customer identified by phone number, or the one anonymous counter customer of a shop.';
COMMENT ON COLUMN customer.phone IS 'E.164 (+33612345678): the program normalises numbers before storing or looking up';
COMMENT ON COLUMN customer.anonymous_for_pizzeria_id IS
    'set only on the anonymous counter customer of that shop (at most one per shop, no phone): counter '
    'orders without a phone number go to it';
CREATE INDEX customer_email_idx ON customer (lower(email)) WHERE email IS NOT NULL;

CREATE TABLE customer_address (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id   bigint NOT NULL REFERENCES customer,
    address_id    bigint NOT NULL REFERENCES address,
    label         text,
    instructions  text,
    is_default    boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (customer_id, address_id)
);
COMMENT ON TABLE customer_address IS 'A delivery address a customer uses (label, door code and floor instructions).';
CREATE INDEX customer_address_address_idx ON customer_address (address_id);
CREATE UNIQUE INDEX customer_address_one_default ON customer_address (customer_id) WHERE is_default;
