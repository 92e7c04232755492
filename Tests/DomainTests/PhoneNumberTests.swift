import Domain
import Testing

/// Phone numbers as channels type them, normalised to E.164 (the key customers are found by).
@Suite struct PhoneNumberTests {
    /// Every spelling listed in PhoneNumber's documentation is the same French mobile number.
    @Test(arguments: [
        "06 12 34 56 78", "06.12.34.56.78", "0612345678", "06-12-34-56-78", "06/12/34/56/78",
        "+33 6 12 34 56 78", "+33612345678", "0033612345678", "00 33 6 12 34 56 78", "+33 (0)6 12 34 56 78",
        "+33 06 12 34 56 78", "(06) 12 34 56 78", "06\u{A0}12\u{A0}34\u{A0}56\u{A0}78", "  06 12 34 56 78  ",
    ])
    func frenchSpellingsNormaliseToOneNumber(text: String) throws {
        let number = try PhoneNumber(text)
        #expect(number.e164 == "+33612345678")
        #expect(number.description == "+33612345678")
        #expect(number == (try PhoneNumber("+33612345678")))
    }

    /// A national number is French; other countries keep their own code after `+` or `00`.
    @Test func foreignNumbersKeepTheirCountryCode() throws {
        #expect(try PhoneNumber("01 99 00 00 11").e164 == "+33199000011")
        #expect(try PhoneNumber("+44 20 7946 0958").e164 == "+442079460958")
        #expect(try PhoneNumber("0044 20 7946 0958").e164 == "+442079460958")
        #expect(try PhoneNumber("+1 (212) 555-0123").e164 == "+12125550123")
        #expect(try PhoneNumber("+49 30 1234567").e164 == "+49301234567")
        // The bounds of E.164: 7 and 15 digits after the +.
        #expect(try PhoneNumber("+1234567").e164 == "+1234567")
        #expect(try PhoneNumber("+123456789012345").e164 == "+123456789012345")
    }

    /// What is not a phone number is refused with invalid_phone_number and the text in context.
    @Test(arguments: [
        "",  // nothing
        "612345678",  // national without its 0
        "06 12 34 56 7",  // 9 digits
        "06 12 34 56 789",  // 11 digits
        "+33 6 12 34 56 78 9 0 1 2 3",  // 16 digits
        "+123456",  // 6 digits
        "+0612345678",  // a country code does not start with 0
        "06 12 AB 56 78",  // letters
        "06 12 34 56 78 ext 2",  // an extension
        "++33612345678",  // two plus signs
        "06 12 +34 56 78",  // a plus sign after digits
        "+",  // a plus sign alone
        "0033",  // 00 and too few digits
        "06,12,34,56,78",  // a comma is not a separator
    ])
    func refusesWhatIsNotANumber(text: String) {
        let error = #expect(throws: DomainError.self) { try PhoneNumber(text) }
        #expect(error?.code == .invalidPhoneNumber)
        #expect(error?.context["value"] == text)
    }
}
