import ConnectorTesting
import Testing
import Transforms

@Suite("Personal data detection")
struct PersonalDataDetectorTests {
    let detector = PersonalDataDetector()

    @Test(
        "finds each kind in a sentence",
        arguments: [
            ("Write to jane.doe+tag@example.co.uk please", "Write to [REDACTED:email] please"),
            ("mail: JOSÉ.GARCÍA@correo.es", "mail: [REDACTED:email]"),
            ("メールはjane@example.jpです", "メールは[REDACTED:email]です"),
            ("4155552671@txt.att.net", "[REDACTED:email]"),
            ("call me at +44 20 7946 0958.", "call me at [REDACTED:phone]."),
            ("+44 (0)20 7946 0958 or 0044 20 7946 0958", "[REDACTED:phone] or [REDACTED:phone]"),
            ("(415) 555-2671, 415.555.2671, 1-800-555-0199", "[REDACTED:phone], [REDACTED:phone], [REDACTED:phone]"),
            ("06 12 34 56 78 / 020 7946 0958", "[REDACTED:phone] / [REDACTED:phone]"),
            ("my cell is 4155552671", "my cell is [REDACTED:phone]"),
            ("card 4111 1111 1111 1111 exp 12/27", "card [REDACTED:payment_card] exp 12/27"),
            ("3782-822463-10005 and 5555555555554444", "[REDACTED:payment_card] and [REDACTED:payment_card]"),
            ("4111 1111 1111 1111 12/27", "[REDACTED:payment_card] 12/27"),
            ("IBAN DE89 3704 0044 0532 0130 00 thanks", "IBAN [REDACTED:iban] thanks"),
            ("gb82west12345698765432", "[REDACTED:iban]"),
            ("my SSN is 123-45-6789", "my SSN is [REDACTED:us_ssn]"),
            ("SSN: 123456789", "SSN: [REDACTED:us_ssn]"),
            ("from 192.168.1.20 and 2001:db8::8a2e:370:7334", "from [REDACTED:ip_address] and [REDACTED:ip_address]"),
            ("connect to 10.0.0.1:8080 or [fe80::1ff:fe23:4567:890a]", "connect to [REDACTED:ip_address]:8080 or [[REDACTED:ip_address]]"),
        ])
    func finds(_ input: String, _ expected: String) {
        #expect(detector.redact(input) == expected)
    }

    @Test(
        "leaves look-alikes alone",
        arguments: [
            "Order #123456789 shipped", "order 4000123456", "ORD-2024-001234", "4111 1111 1111 1112 (fails Luhn)",
            "1234567812345670 (Luhn, no issuer)", "2024-01-15T10:20:30.123456+00:00", "15.01.2024", "01/15/2024 10:30", "$1,234.56",
            "1 234 567,89 €", "v1.2.3", "version 10.0.19041.1", "1.2.3.4.5", "section 2.3.1.4", "1Z999AA10123456784", "7489 1234 5678",
            "9400 1000 0000 0000 0000 00", "DE89 3704 0044 0532 0130 01 (bad check)", "DEUTDEFF500", "000-12-3456", "666-12-3456",
            "900-12-3456", "94103-1234", "256.1.1.1", "192.168.1", "192.168.01.1", "00:1A:2B:3C:4D:5E", "std::vector and a::b",
            "icon@2x.png", "user@localhost", "@support_team", "foo@bar.baz", "123-456-7890", "978-3-16-148410-0", "5 082 295 345",
            "6392e0f865ba38041ddd5966", "b9e51eae-5449-4a46-b6ce-aef2dcb4e067", "Bestellung 8892604096 fehlt", "10:30:45",
        ])
    func leaves(_ input: String) {
        #expect(detector.matches(in: input).isEmpty, "\(detector.redact(input))")
    }

    @Test("looks only for the kinds asked for")
    func kinds() {
        let onlyEmail = PersonalDataDetector(kinds: [.email])
        #expect(onlyEmail.redact("jane@example.com +44 20 7946 0958") == "[REDACTED:email] +44 20 7946 0958")
    }

    @Test("on the labelled corpus, precision and recall per kind reach what the README states")
    func corpus() {
        let results = PrivacyCorpus.cases().map { ($0, detector.redact($0.text)) }
        let (scores, unreadable) = PrivacyCorpus.score(results)
        #expect(unreadable.isEmpty)
        for kind in PrivacyCorpus.kinds {
            let score = scores[kind]!
            #expect(score.truePositives + score.falseNegatives >= 250, "\(kind): too few labelled cases")
            #expect(score.precision >= 0.99, "\(kind): \(score)")
            #expect(score.recall >= 0.88, "\(kind): \(score)")
        }
    }
}
