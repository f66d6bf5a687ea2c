import Foundation

/// A labelled corpus of chat messages for measuring personal-data detection: hundreds of texts
/// per kind (email, phone, payment card, IBAN, US SSN, IP address) in the formats people type,
/// some written in ways a detector is not expected to catch, and hundreds of look-alikes that
/// hold no personal data (order numbers, dates, prices, versions, tracking numbers, invalid
/// checksums, hex ids).
///
/// Generated deterministically from a seed: every run sees the same texts, and each text says
/// which substrings are personal data and of what kind.
public enum PrivacyCorpus {
    /// One labelled text.
    public struct Case: Sendable, Hashable {
        /// The text, as an end user might type it.
        public var text: String
        /// The personal data in it: each occurrence's kind (`email`, `phone`, `payment_card`,
        /// `iban`, `us_ssn`, `ip_address`) and exact text.
        public var labels: [Label]
        /// What the case exercises (`phone: +CC spaced`, `look-alike: order number`).
        public var family: String
    }

    /// One labelled occurrence.
    public struct Label: Sendable, Hashable {
        /// The kind's name.
        public var kind: String
        /// The exact text of the occurrence.
        public var value: String
    }

    /// The kinds, by name.
    public static let kinds = ["email", "phone", "payment_card", "iban", "us_ssn", "ip_address"]

    /// Every case.
    ///
    /// - Parameter seed: The generator's seed.
    /// - Returns: The cases, positives of each kind first, then look-alikes.
    public static func cases(seed: UInt64 = 2028) -> [Case] {
        var generator = CorpusGenerator(seed: seed)
        return generator.all()
    }
}

/// Builds the corpus: value generators per kind and format, and sentences to put them in.
struct CorpusGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }

    // MARK: - Randomness

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func pick<T>(_ values: [T]) -> T { values[int(0...(values.count - 1))] }
    mutating func digits(_ count: Int) -> String { String((0..<count).map { _ in Character(String(int(0...9))) }) }
    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }

    // MARK: - Sentences

    static let sentences = [
        "My email is {}", "you can reach me at {}, thanks!", "{}", "Contact: {}.", "please send it to {} or call me back",
        "Mi correo es {} gracias", "Mon adresse : {}", "Ich bin unter {} erreichbar.", "(see {})", "\"{}\"", "<{}>", "it's {}\nthanks",
        "ok so {} is the one", "Here: {} - let me know", "I already gave {} to the agent yesterday", "{} 🙏",
        "Hi! I need help with my order, details: {}", "还是没有收到，{} 请查一下", "مرحبا {} شكرا", "Là, c'est {} ; merci",
    ]

    /// A sentence around `value`, and where the value sits.
    mutating func sentence(_ value: String, kind: String, family: String) -> PrivacyCorpus.Case {
        let template = pick(Self.sentences)
        return PrivacyCorpus.Case(
            text: template.replacingOccurrences(of: "{}", with: value), labels: [PrivacyCorpus.Label(kind: kind, value: value)],
            family: family)
    }

    mutating func lookAlike(_ value: String, family: String) -> PrivacyCorpus.Case {
        let template = pick([
            "{}", "Order {} still hasn't arrived", "the reference is {}", "I paid {} yesterday", "see {} please",
            "It says {} on the screen",
            "ticket {}", "Mi pedido {} no llegó", "Commande {} toujours pas reçue", "Bestellung {} fehlt", "{} — is that right?",
            "version info: {}", "Got error {} when I tried",
        ])
        return PrivacyCorpus.Case(text: template.replacingOccurrences(of: "{}", with: value), labels: [], family: "look-alike: " + family)
    }

    // MARK: - The corpus

    mutating func all() -> [PrivacyCorpus.Case] {
        var cases: [PrivacyCorpus.Case] = []
        for _ in 0..<300 { cases.append(email()) }
        for _ in 0..<300 { cases.append(phone()) }
        for _ in 0..<300 { cases.append(card()) }
        for _ in 0..<300 { cases.append(iban()) }
        for _ in 0..<300 { cases.append(socialSecurityNumber()) }
        for _ in 0..<300 { cases.append(ipAddress()) }
        // Several kinds in one message.
        for _ in 0..<60 {
            let parts = [email(), phone(), card(), iban()].filter { _ in chance(60) }
            guard !parts.isEmpty else { continue }
            let labels = parts.flatMap(\.labels)
            cases.append(
                PrivacyCorpus.Case(
                    text: "Details: " + labels.map(\.value).joined(separator: " / ") + ", thanks", labels: labels, family: "mixed"))
        }
        for _ in 0..<900 { cases.append(lookAlike()) }
        return cases
    }

    // MARK: - Emails

    static let firstNames = [
        "jane", "john", "maria", "li", "ahmed", "sofia", "lukas", "emma", "noah", "olivia", "yuki", "fatima", "carlos", "anna", "ivan",
        "chloé", "zoë", "søren", "andré", "józef",
    ]
    static let lastNames = ["doe", "smith", "garcia", "wang", "khan", "rossi", "müller", "martin", "kim", "nguyen", "silva", "kowalski"]
    static let domains = [
        "example.com", "mail.example.org", "company.co.uk", "uni-hamburg.de", "orange.fr", "yahoo.co.jp", "startup.io", "shop.store",
        "gov.uk", "consulting.agency", "web.de", "outlook.com", "gmail.com", "proton.me", "icloud.com", "mail.ru", "naver.com", "bank.ch",
        "city.nyc", "studio.design",
    ]

    mutating func email() -> PrivacyCorpus.Case {
        let first = pick(Self.firstNames)
        let last = pick(Self.lastNames)
        let ascii = { (text: String) in String(text.unicodeScalars.filter(\.isASCII)) }
        let locals = [
            "\(first).\(last)", "\(first)\(last)", "\(first.prefix(1)).\(last)\(int(1...99))", "\(first)_\(last)", "\(first)+orders",
            "\(first)-\(last)", "\(first.prefix(1))\(last.prefix(1))\(int(1950...2005))", "\(first.capitalized).\(last.capitalized)",
            "\(first).\(last)+\(pick(["news", "shop", "ada"]))", "o'\(last)",
        ]
        var local = pick(locals)
        if chance(70) { local = ascii(local) }
        let domain = pick(Self.domains)
        let value = chance(5) ? (local + "@" + domain).uppercased() : local + "@" + domain
        // Hard: written out to dodge spam filters.
        if chance(4) {
            return sentence(
                "\(ascii(first)) dot \(ascii(last)) at \(domain.replacingOccurrences(of: ".", with: " dot "))", kind: "email",
                family: "email: spelled out")
        }
        return sentence(value, kind: "email", family: "email")
    }

    // MARK: - Phones

    mutating func phone() -> PrivacyCorpus.Case {
        let n = { (g: inout CorpusGenerator) in String(g.int(2...9)) }
        var value: String
        var family: String
        switch int(0...25) {
        case 0:
            value = "+1 \(n(&self))\(digits(2))-\(n(&self))\(digits(2))-\(digits(4))"
            family = "phone: +1"
        case 1:
            value = "+1\(n(&self))\(digits(2))\(n(&self))\(digits(6))"
            family = "phone: E.164"
        case 2:
            value = "+44 20 \(int(7000...7999)) \(digits(4))"
            family = "phone: +44 London"
        case 3:
            value = "+44 (0)20 \(int(7000...7999)) \(digits(4))"
            family = "phone: +44 (0)"
        case 4:
            value = "+33 \(int(6...7)) \(digits(2)) \(digits(2)) \(digits(2)) \(digits(2))"
            family = "phone: +33 mobile"
        case 5:
            value = "+49 30 \(int(1...9))\(digits(7))"
            family = "phone: +49 Berlin"
        case 6:
            value = "+49 151 \(int(1...9))\(digits(7))"
            family = "phone: +49 mobile"
        case 7:
            value = "+61 2 \(int(8000...9999)) \(digits(4))"
            family = "phone: +61"
        case 8:
            value = "+91 \(int(70000...99999)) \(digits(5))"
            family = "phone: +91"
        case 9:
            value = "+81 3-\(int(1000...9999))-\(digits(4))"
            family = "phone: +81"
        case 10:
            value = "+55 11 9\(int(1000...9999))-\(digits(4))"
            family = "phone: +55"
        case 11:
            value = "0044 20 \(int(7000...7999)) \(digits(4))"
            family = "phone: 00CC"
        case 12:
            value = "(\(n(&self))\(digits(2))) \(n(&self))\(digits(2))-\(digits(4))"
            family = "phone: (NXX) NXX-XXXX"
        case 13:
            value = "\(n(&self))\(digits(2))-\(n(&self))\(digits(2))-\(digits(4))"
            family = "phone: NXX-NXX-XXXX"
        case 14:
            value = "\(n(&self))\(digits(2)).\(n(&self))\(digits(2)).\(digits(4))"
            family = "phone: dotted"
        case 15:
            value = "1-800-\(n(&self))\(digits(2))-\(digits(4))"
            family = "phone: 1-800"
        case 16:
            value = "020 \(int(7000...8999)) \(digits(4))"
            family = "phone: UK national"
        case 17:
            value = "07\(int(100...999)) \(int(100_000...999_999))"
            family = "phone: UK mobile"
        case 18:
            value = "0\(int(6...7)) \(digits(2)) \(digits(2)) \(digits(2)) \(digits(2))"
            family = "phone: FR national"
        case 19:
            value = "030 \(int(1_000_000...99_999_999))"
            family = "phone: DE national"
        case 20:
            value = "0\(int(2...8)) \(int(1000...9999)) \(digits(4))"
            family = "phone: AU national"
        case 21:
            value = "04\(int(10...99)) \(digits(3)) \(digits(3))"
            family = "phone: AU mobile"
        case 22:
            value = "\(n(&self))\(digits(2))\(n(&self))\(digits(6))"
            return PrivacyCorpus.Case(
                text: pick(["call me on \(value) after 5", "my cell is \(value)", "Phone: \(value)", "whatsapp \(value) pls"]),
                labels: [PrivacyCorpus.Label(kind: "phone", value: value)], family: "phone: bare after a phone word")
        case 23:
            // Hard: a local number without area code.
            value = "\(n(&self))\(digits(2))-\(digits(4))"
            family = "phone: 7-digit local"
        case 24:
            // Hard: Spanish mobile without the country code or a trunk zero.
            value = "6\(digits(2)) \(digits(2)) \(digits(2)) \(digits(2))"
            family = "phone: ES national"
        default:
            // Hard: a bare run with no phone word.
            value = "1\(int(3...9))\(digits(9))"
            family = "phone: CN mobile, bare"
        }
        return sentence(value, kind: "phone", family: family)
    }

    // MARK: - Cards

    static func luhnCheckDigit(_ body: String) -> Int {
        var sum = 0
        for (index, character) in body.reversed().enumerated() {
            var digit = Int(String(character)) ?? 0
            if index % 2 == 0 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        return (10 - sum % 10) % 10
    }

    mutating func cardNumber() -> (String, String) {
        let networks: [(String, Int)] = [
            ("visa", 16), ("visa 13", 13), ("mastercard", 16), ("mastercard 2-series", 16), ("amex", 15), ("discover", 16), ("jcb", 16),
            ("diners", 14), ("unionpay", 16), ("unionpay 19", 19), ("maestro", 18),
        ]
        let (name, length) = pick(networks)
        // Prefixes from this generator, not the system's random source: the corpus is the same every run.
        let prefix: String
        switch name {
        case "mastercard": prefix = "5\(int(1...5))"
        case "mastercard 2-series": prefix = "\(int(2221...2720))"
        case "amex": prefix = pick(["34", "37"])
        case "jcb": prefix = "35\(int(28...89))"
        case "discover": prefix = "6011"
        case "diners": prefix = "36"
        case "unionpay", "unionpay 19": prefix = "62"
        case "maestro": prefix = "6759"
        default: prefix = "4"
        }
        let body = prefix + digits(length - prefix.count - 1)
        return (body + String(Self.luhnCheckDigit(body)), name)
    }

    static func grouped(_ number: String, _ sizes: [Int], _ separator: String) -> String {
        var parts: [String] = []
        var rest = Substring(number)
        for size in sizes where !rest.isEmpty {
            parts.append(String(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        if !rest.isEmpty { parts.append(String(rest)) }
        return parts.joined(separator: separator)
    }

    mutating func card() -> PrivacyCorpus.Case {
        let (number, network) = cardNumber()
        let sizes = number.count == 15 ? [4, 6, 5] : number.count == 14 ? [4, 6, 4] : [4, 4, 4, 4, 4]
        switch int(0...19) {
        case 0...5: return sentence(number, kind: "payment_card", family: "card: bare, \(network)")
        case 6...11: return sentence(Self.grouped(number, sizes, " "), kind: "payment_card", family: "card: spaced, \(network)")
        case 12...16: return sentence(Self.grouped(number, sizes, "-"), kind: "payment_card", family: "card: dashed, \(network)")
        case 17:
            let value = Self.grouped(number, sizes, " ")
            return PrivacyCorpus.Case(
                text: "card \(value) \(int(1...12))/\(int(26...31)) cvv \(digits(3))", labels: [.init(kind: "payment_card", value: value)],
                family: "card: with expiry")
        case 18:
            // Hard: dots between groups.
            return sentence(Self.grouped(number, sizes, "."), kind: "payment_card", family: "card: dotted")
        default:
            // Hard: mixed separators.
            let groups = Self.grouped(number, sizes, " ").split(separator: " ")
            let mixed = groups.enumerated().map { $0.offset == 0 ? String($0.element) : ($0.offset == 1 ? "-" : " ") + $0.element }.joined()
            return sentence(mixed, kind: "payment_card", family: "card: mixed separators")
        }
    }

    // MARK: - IBANs

    /// Countries and the shape of their BBAN: `n` a digit, `a` an upper-case letter, `c` either.
    static let ibanShapes: [(String, String)] = [
        ("DE", "nnnnnnnnnnnnnnnnnn"), ("GB", "aaaannnnnnnnnnnnnn"), ("FR", "nnnnnnnnnnccccccccccc" + "nn"), ("ES", "nnnnnnnnnnnnnnnnnnnn"),
        ("IT", "annnnnnnnnncccccccccccc"), ("NL", "aaaannnnnnnnnn"), ("BE", "nnnnnnnnnnnn"), ("CH", "nnnnncccccccccccc"),
        ("AT", "nnnnnnnnnnnnnnnn"), ("PL", "nnnnnnnnnnnnnnnnnnnnnnnn"), ("SE", "nnnnnnnnnnnnnnnnnnnn"), ("NO", "nnnnnnnnnnn"),
        ("IE", "aaaannnnnnnnnnnnnn"), ("PT", "nnnnnnnnnnnnnnnnnnnnn"), ("DK", "nnnnnnnnnnnnnn"), ("FI", "nnnnnnnnnnnnnn"),
    ]

    static func checkDigits(country: String, bban: String) -> String {
        var remainder = 0
        for character in bban + country + "00" {
            if let digit = character.wholeNumberValue {
                remainder = (remainder * 10 + digit) % 97
            } else {
                remainder = (remainder * 100 + Int(character.asciiValue! - 55)) % 97
            }
        }
        let check = 98 - remainder
        return check < 10 ? "0\(check)" : "\(check)"
    }

    mutating func ibanNumber() -> String {
        let (country, shape) = pick(Self.ibanShapes)
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        let bban = String(
            shape.map { kind -> Character in
                switch kind {
                case "a": return pick(letters)
                case "c": return chance(30) ? pick(letters) : Character(String(int(0...9)))
                default: return Character(String(int(0...9)))
                }
            })
        return country + Self.checkDigits(country: country, bban: bban) + bban
    }

    mutating func iban() -> PrivacyCorpus.Case {
        let number = ibanNumber()
        switch int(0...19) {
        case 0...8: return sentence(Self.grouped(number, Array(repeating: 4, count: 9), " "), kind: "iban", family: "iban: grouped")
        case 9...15: return sentence(number, kind: "iban", family: "iban: bare")
        case 16, 17:
            return sentence(Self.grouped(number, Array(repeating: 4, count: 9), " ").lowercased(), kind: "iban", family: "iban: lower case")
        case 18:
            // Hard: grouped irregularly.
            return sentence(Self.grouped(number, [4, 8, 6, 6, 6, 6], " "), kind: "iban", family: "iban: irregular groups")
        default:
            // Hard: dashes between groups.
            return sentence(Self.grouped(number, Array(repeating: 4, count: 9), "-"), kind: "iban", family: "iban: dashed")
        }
    }

    // MARK: - SSNs

    mutating func ssnParts() -> (String, String, String) {
        var area = int(1...899)
        if area == 666 { area = 665 }
        let pad = { (value: Int, width: Int) in String(repeating: "0", count: width - String(value).count) + String(value) }
        return (pad(area, 3), pad(int(1...99), 2), pad(int(1...9999), 4))
    }

    mutating func socialSecurityNumber() -> PrivacyCorpus.Case {
        let (area, group, serial) = ssnParts()
        switch int(0...19) {
        case 0...11: return sentence("\(area)-\(group)-\(serial)", kind: "us_ssn", family: "ssn: dashed")
        case 12...14: return sentence("\(area) \(group) \(serial)", kind: "us_ssn", family: "ssn: spaced")
        case 15...17:
            let value = area + group + serial
            return PrivacyCorpus.Case(
                text: pick(["my SSN is \(value)", "SSN: \(value)", "social security number \(value)", "ssn \(value) for the form"]),
                labels: [.init(kind: "us_ssn", value: value)], family: "ssn: bare after SSN")
        case 18:
            // Hard: bare without a word saying what it is.
            return sentence(area + group + serial, kind: "us_ssn", family: "ssn: bare")
        default:
            // Hard: dotted.
            return sentence("\(area).\(group).\(serial)", kind: "us_ssn", family: "ssn: dotted")
        }
    }

    // MARK: - IP addresses

    mutating func ipAddress() -> PrivacyCorpus.Case {
        let hex = { (g: inout CorpusGenerator) in String(g.int(0...0xFFFF), radix: 16) }
        switch int(0...19) {
        case 0...9:
            let value = "\(int(1...223)).\(int(0...255)).\(int(0...255)).\(int(1...254))"
            return sentence(value, kind: "ip_address", family: "ip: v4")
        case 10, 11:
            let full = pick(["10.\(int(0...255))", "192.168", "172.\(int(16...31))"]) + ".\(int(0...255)).\(int(1...254))"
            return sentence(full, kind: "ip_address", family: "ip: v4 private")
        case 12, 13:
            let value = (0..<8).map { _ in hex(&self) }.joined(separator: ":")
            return sentence(value, kind: "ip_address", family: "ip: v6 full")
        case 14...16:
            let value = "2001:db8:\(hex(&self))::\(hex(&self)):\(hex(&self))"
            return sentence(value, kind: "ip_address", family: "ip: v6 compressed")
        case 17:
            let byte = { (g: inout CorpusGenerator) in String(format: "%02x", g.int(0...255)) }
            let value = "fe80::\(byte(&self))\(byte(&self)):\(byte(&self))ff:fe\(byte(&self)):\(byte(&self))\(byte(&self))"
            return sentence(value, kind: "ip_address", family: "ip: v6 link-local")
        case 18:
            let value = "\(int(1...223)).\(int(0...255)).\(int(0...255)).\(int(1...254))"
            return PrivacyCorpus.Case(
                text: "connect to \(value):\(int(1024...65535)) failed", labels: [.init(kind: "ip_address", value: value)],
                family: "ip: v4 with port")
        default:
            // Hard: loopback written short.
            return sentence("::1", kind: "ip_address", family: "ip: v6 loopback")
        }
    }

    // MARK: - Look-alikes

    mutating func lookAlike() -> PrivacyCorpus.Case {
        switch int(0...30) {
        case 30: return lookAlike("section \(int(1...9)).\(int(1...9)).\(int(1...20)).\(int(1...9))", family: "section number")
        case 0: return lookAlike("#\(digits(9))", family: "order number")
        case 1: return lookAlike("\(int(1...9))\(digits(9))", family: "10-digit order number")
        case 2: return lookAlike("ORD-\(int(2019...2026))-\(digits(6))", family: "order code")
        case 3:
            // Sixteen digits that fail Luhn.
            let (number, _) = cardNumber()
            let last = Int(String(number.last!))!
            let broken = String(number.dropLast()) + String((last + int(1...9)) % 10)
            return lookAlike(Self.grouped(broken, [4, 4, 4, 4, 4], " "), family: "card number failing Luhn")
        case 4:
            // Luhn-valid, but no issuer uses the prefix.
            let body = pick(["1", "7", "8", "9"]) + digits(14)
            return lookAlike(body + String(Self.luhnCheckDigit(body)), family: "Luhn-valid number of no issuer")
        case 5: return lookAlike("\(int(2000...2030))-\(pad(int(1...12)))-\(pad(int(1...28)))", family: "ISO date")
        case 6: return lookAlike("\(pad(int(1...28))).\(pad(int(1...12))).\(int(1990...2030))", family: "dotted date")
        case 7:
            return lookAlike(
                "\(pad(int(1...12)))/\(pad(int(1...28)))/\(int(1990...2030)) \(pad(int(0...23))):\(pad(int(0...59)))",
                family: "date and time")
        case 8:
            return lookAlike(
                "\(int(2000...2030))-\(pad(int(1...12)))-\(pad(int(1...28)))T\(pad(int(0...23))):\(pad(int(0...59))):00Z",
                family: "timestamp")
        case 9: return lookAlike("$\(int(1...99)),\(digits(3)).\(digits(2))", family: "price")
        case 10: return lookAlike("\(int(1...999)) \(digits(3)) \(digits(3)),\(digits(2)) €", family: "price with spaced thousands")
        case 11: return lookAlike("v\(int(1...20)).\(int(0...20)).\(int(0...99))", family: "version")
        case 12: return lookAlike("version \(int(1...20)).\(int(0...9)).\(int(0...99_999)).\(int(0...9999))", family: "four-part version")
        case 13: return lookAlike("\(int(1...9)).\(int(0...9)).\(int(0...9)).\(int(0...9)).\(int(0...9))", family: "five-part number")
        case 14: return lookAlike("1Z\(digits(3))AA1\(digits(10))", family: "UPS tracking number")
        case 15: return lookAlike("7\(digits(3)) \(digits(4)) \(digits(4))", family: "FedEx tracking number")
        case 16: return lookAlike("9400 1\(digits(3)) \(digits(4)) \(digits(4)) \(digits(4)) \(digits(2))", family: "USPS tracking number")
        case 17:
            var number = ibanNumber()
            let check = Int(number.dropFirst(2).prefix(2))!
            number = String(number.prefix(2)) + pad((check + int(1...50)) % 98 + 1) + String(number.dropFirst(4))
            return lookAlike(Self.grouped(number, Array(repeating: 4, count: 9), " "), family: "IBAN with a wrong checksum")
        case 18: return lookAlike(pick(["DEUTDEFF", "BNPAFRPP", "CHASUS33", "NWBKGB2L"]) + (chance(50) ? "XXX" : ""), family: "BIC")
        case 19:
            return lookAlike(
                pick(["000", "666", "9\(digits(2))"]) + "-\(digits(2))-\(digits(4))", family: "SSN with an area never assigned")
        case 20: return lookAlike("\(int(10000...99999))-\(digits(4))", family: "ZIP+4")
        case 21: return lookAlike("\(int(256...999)).\(int(0...255)).\(int(0...255)).\(int(0...255))", family: "dotted quad out of range")
        case 22: return lookAlike("\(int(1...223)).\(int(0...255)).\(int(0...255))", family: "three octets")
        case 23:
            let mac = (0..<6).map { _ in String(format: "%02X", int(0...255)) }.joined(separator: ":")
            return lookAlike(mac, family: "MAC address")
        case 24:
            return lookAlike(
                pick(["icon@2x.png", "logo@3x.jpg", "user@localhost", "@support_team", "admin@intranet", "foo@bar.baz"]),
                family: "email-like")
        case 25: return lookAlike("1\(digits(2))-\(digits(3))-\(digits(4))", family: "phone-shaped, area starting with 1")
        case 26: return lookAlike("978-\(int(0...9))-\(digits(2))-\(digits(6))-\(int(0...9))", family: "ISBN")
        case 27: return lookAlike(String((0..<24).map { _ in pick(Array("0123456789abcdef")) }), family: "hex id")
        case 28: return lookAlike("\(pad(int(0...23))):\(pad(int(0...59))):\(pad(int(0...59)))", family: "time")
        default: return lookAlike("\(int(1...9)) \(digits(3)) \(digits(3)) \(digits(3))", family: "number with spaced thousands")
        }
    }

    private func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

extension PrivacyCorpus {
    /// How a detector did on one kind.
    public struct Score: Sendable, Hashable, CustomStringConvertible {
        /// Occurrences found exactly.
        public var truePositives = 0
        /// Redactions of text that is not an occurrence of the kind (or only part of one).
        public var falsePositives = 0
        /// Occurrences not found exactly.
        public var falseNegatives = 0

        /// Of what was redacted as this kind, the share that was.
        public var precision: Double {
            truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives)
        }
        /// Of the occurrences, the share redacted.
        public var recall: Double {
            truePositives + falseNegatives == 0 ? 1 : Double(truePositives) / Double(truePositives + falseNegatives)
        }

        /// `precision 99.7% recall 95.0% (tp 285, fp 1, fn 15)`
        public var description: String {
            String(
                format: "precision %.1f%% recall %.1f%% (tp %d, fp %d, fn %d)", precision * 100, recall * 100, truePositives,
                falsePositives,
                falseNegatives)
        }
    }

    /// What was redacted in `redacted` (the text of `original` with occurrences replaced by
    /// `[REDACTED:<kind>]`), as kind and original text.
    ///
    /// - Parameters:
    ///   - original: The text before.
    ///   - redacted: The text after.
    /// - Returns: The redactions, or nil when `redacted` is not `original` with replacements.
    public static func redactions(from original: String, to redacted: String) -> [Label]? {
        // Split the redacted text into literal pieces and markers; the literal pieces must appear
        // in the original in order, and what lies between them was replaced.
        var pieces: [(literal: String, kind: String?)] = []
        var rest = Substring(redacted)
        while let open = rest.range(of: "[REDACTED:") {
            guard let close = rest[open.upperBound...].firstIndex(of: "]") else { break }
            pieces.append((String(rest[..<open.lowerBound]), String(rest[open.upperBound..<close])))
            rest = rest[rest.index(after: close)...]
        }
        pieces.append((String(rest), nil))
        var found: [Label] = []
        var position = original.startIndex
        var pending: String?
        for (index, piece) in pieces.enumerated() {
            if let kind = pending {
                // The replaced text runs up to where this literal piece starts (the last piece ends the text).
                let isLast = index == pieces.count - 1
                let end: String.Index
                if isLast, piece.literal.isEmpty {
                    end = original.endIndex
                } else if isLast {
                    guard original[position...].hasSuffix(piece.literal) else { return nil }
                    end = original.index(original.endIndex, offsetBy: -piece.literal.count)
                } else if piece.literal.isEmpty {
                    return nil
                } else {
                    guard let range = original[original.index(after: position)...].range(of: piece.literal) else { return nil }
                    end = range.lowerBound
                }
                guard end > position else { return nil }
                found.append(Label(kind: kind, value: String(original[position..<end])))
                position = end
            }
            guard original[position...].hasPrefix(piece.literal) else { return nil }
            position = original.index(position, offsetBy: piece.literal.count)
            pending = piece.kind
        }
        return position == original.endIndex ? found : nil
    }

    /// Scores per kind: each case's labels against what its redacted text shows was redacted.
    ///
    /// - Parameter results: Each case and its text after redaction.
    /// - Returns: A score per kind name, and the cases whose redacted text does not line up with the original.
    public static func score(_ results: [(Case, String)]) -> (scores: [String: Score], unreadable: [Case]) {
        var scores = Dictionary(uniqueKeysWithValues: kinds.map { ($0, Score()) })
        var unreadable: [Case] = []
        for (item, redacted) in results {
            guard var found = redactions(from: item.text, to: redacted) else {
                unreadable.append(item)
                continue
            }
            for label in item.labels {
                if let index = found.firstIndex(of: label) {
                    scores[label.kind, default: Score()].truePositives += 1
                    found.remove(at: index)
                } else {
                    scores[label.kind, default: Score()].falseNegatives += 1
                }
            }
            for extra in found { scores[extra.kind, default: Score()].falsePositives += 1 }
        }
        return (scores, unreadable)
    }
}
