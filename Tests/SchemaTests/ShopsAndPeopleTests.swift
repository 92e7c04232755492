import Foundation
import Postgres
import Testing

/// Shops, staff and customers (0003).
@Suite struct ShopsAndPeopleTests {
    @Test func shopsHaveAUniqueCodeAKnownTimeZoneAndWellFormedOpeningHours() async throws {
        try await withMigratedDatabase { session, _ in
            let address = try #require(try session.queryValue("SELECT min(id) FROM address", as: Int.self))
            expectRefused(
                .uniqueViolation, constraint: "pizzeria_code_key", session,
                "INSERT INTO pizzeria (code, name, address_id, opened_on) VALUES ('PAR11', 'Bis', \(address), '2026-06-01')"
            )
            expectRefused(
                .checkViolation, constraint: "pizzeria_code_format", session,
                "INSERT INTO pizzeria (code, name, address_id, opened_on) VALUES ('par 12', 'x', \(address), '2026-06-01')"
            )
            expectRefused(
                .checkViolation, constraint: "pizzeria_timezone_known", session,
                """
                INSERT INTO pizzeria (code, name, address_id, opened_on, timezone)
                VALUES ('PAR12', 'x', \(address), '2026-06-01', 'Europe/Pariss')
                """)
            expectRefused(
                .checkViolation, constraint: "pizzeria_opening_hours_shape", session,
                """
                INSERT INTO pizzeria (code, name, address_id, opened_on, opening_hours)
                VALUES ('PAR12', 'x', \(address), '2026-06-01', '{"monday": []}')
                """)
            expectRefused(
                .checkViolation, constraint: "pizzeria_closed_after_opened", session,
                """
                INSERT INTO pizzeria (code, name, address_id, opened_on, closed_on)
                VALUES ('PAR12', 'x', \(address), '2026-06-01', '2026-05-01')
                """)
            // A shop opening next month, with the defaults.
            try session.execute(
                "INSERT INTO pizzeria (code, name, address_id, opened_on) VALUES ('PAR12', 'Nation', \(address), '2026-06-01')"
            )
            let zone = try session.queryValue("SELECT timezone FROM pizzeria WHERE code = 'PAR12'", as: String.self)
            let cutoff = try session.queryValue(
                "SELECT day_cutoff::text FROM pizzeria WHERE code = 'PAR12'", as: String.self)
            #expect(zone == "Europe/Paris")
            #expect(cutoff == "04:00:00")
        }
    }

    @Test func businessDateFollowsTheShopsZoneAndCutoffAcrossDaylightSaving() async throws {
        try await withMigratedDatabase { session, base in
            let cases: [(String, String)] = [
                ("2026-05-12 23:59:00+02", "2026-05-12"),
                ("2026-05-13 03:59:59+02", "2026-05-12"),
                ("2026-05-13 04:00:00+02", "2026-05-13"),
                // Spring forward: 02:00 does not exist on 2026-03-29; 03:30 local is still the day before.
                ("2026-03-29 03:30:00+02", "2026-03-28"),
                ("2026-03-29 04:00:00+02", "2026-03-29"),
                // Fall back: 02:30 happens twice on 2026-10-25, both before the cutoff.
                ("2026-10-25 02:30:00+02", "2026-10-24"),
                ("2026-10-25 02:30:00+01", "2026-10-24"),
                ("2026-10-25 04:00:00+01", "2026-10-25"),
            ]
            for (instant, expected) in cases {
                let date = try session.queryValue(
                    "SELECT ocpizza_business_date(\(base.shop), \(instant)::timestamptz)::text", as: String.self)
                #expect(date == expected, "\(instant)")
            }
        }
    }

    @Test func onlyHeadOfficeAndAccountantsWorkOutsideAShop() async throws {
        try await withMigratedDatabase { session, base in
            expectRefused(
                .checkViolation, constraint: "employee_shop_unless_head_office", session,
                "INSERT INTO employee (pizzeria_id, role, full_name) VALUES (NULL, 'pizzaiolo', 'Luca Rossi')")
            expectRefused(
                .checkViolation, constraint: "employee_role_known", session,
                "INSERT INTO employee (pizzeria_id, role, full_name) VALUES (\(base.shop), 'chef', 'Luca Rossi')")
            expectRefused(
                .foreignKeyViolation, session,
                "INSERT INTO employee (pizzeria_id, role, full_name) VALUES (999999, 'driver', 'Nobody')")
            try session.execute(
                """
                INSERT INTO employee (pizzeria_id, role, full_name, email) VALUES
                    (NULL, 'head_office', 'Lola', 'lola@ocpizza.fr'), (NULL, 'accountant', 'Paul', 'paul@ocpizza.fr')
                """)
            expectRefused(
                .uniqueViolation, constraint: "employee_email_key", session,
                "INSERT INTO employee (pizzeria_id, role, full_name, email) VALUES (NULL, 'head_office', 'Lola 2', 'LOLA@ocpizza.fr')"
            )
        }
    }

    @Test func customersAreKnownByPhoneOrAreTheShopsAnonymousCounterCustomer() async throws {
        try await withMigratedDatabase { session, base in
            expectRefused(
                .uniqueViolation, constraint: "customer_phone_key", session,
                "INSERT INTO customer (phone, full_name) VALUES ('+33612345678', 'Someone else')")
            expectRefused(
                .checkViolation, constraint: "customer_phone_e164", session,
                "INSERT INTO customer (phone) VALUES ('06 12 34 56 78')")
            expectRefused(
                .checkViolation, constraint: "customer_phone_or_anonymous", session,
                "INSERT INTO customer (full_name) VALUES ('No phone')")
            expectRefused(
                .checkViolation, constraint: "customer_phone_or_anonymous", session,
                "INSERT INTO customer (phone, anonymous_for_pizzeria_id) VALUES ('+33699999999', \(base.shop))")
            try session.execute("INSERT INTO customer (anonymous_for_pizzeria_id) VALUES (\(base.shop))")
            try session.execute("INSERT INTO customer (anonymous_for_pizzeria_id) VALUES (\(base.otherShop))")
            expectRefused(
                .uniqueViolation, constraint: "customer_anonymous_for_pizzeria_id_key", session,
                "INSERT INTO customer (anonymous_for_pizzeria_id) VALUES (\(base.shop))")
        }
    }

    @Test func aCustomerHasOneDefaultDeliveryAddress() async throws {
        try await withMigratedDatabase { session, base in
            try session.execute(
                """
                INSERT INTO address (line1, postcode, city) VALUES ('8 rue Oberkampf', '75011', 'Paris'),
                    ('1 rue de Lappe', '75011', 'Paris')
                """)
            try session.execute(
                """
                INSERT INTO customer_address (customer_id, address_id, label, is_default)
                SELECT \(base.customer), id, 'home', true FROM address WHERE line1 = '8 rue Oberkampf'
                """)
            expectRefused(
                .uniqueViolation, constraint: "customer_address_one_default", session,
                """
                INSERT INTO customer_address (customer_id, address_id, label, is_default)
                SELECT \(base.customer), id, 'work', true FROM address WHERE line1 = '1 rue de Lappe'
                """)
            expectRefused(
                .notNullViolation, session,
                "INSERT INTO address (line1, city) VALUES ('somewhere', 'Paris')")
        }
    }

    @Test func dayCutoffCannotFallInTheDaylightSavingHours() async throws {
        try await withMigratedDatabase { session, base in
            for cutoff in ["01:00", "02:30", "02:59:59"] {
                expectRefused(
                    .checkViolation, constraint: "pizzeria_day_cutoff_outside_dst", session,
                    "UPDATE pizzeria SET day_cutoff = \(cutoff)::time WHERE id = \(base.shop)")
            }
            for cutoff in ["00:30", "03:00", "04:00", "05:30"] {
                try session.execute("UPDATE pizzeria SET day_cutoff = \(cutoff)::time WHERE id = \(base.shop)")
            }
        }
    }
}
