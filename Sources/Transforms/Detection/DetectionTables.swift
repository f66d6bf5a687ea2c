/// The reference data the detectors check candidates against.
enum DetectionTables {
    /// Top-level domains an email address may end in: every country code
    /// (<https://www.iana.org/domains/root/db>) and the generic domains in common use. A file
    /// name like `icon@2x.png` ends in none of them.
    static let topLevelDomains: Set<[UInt8]> = {
        let countries =
            "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw"
        let generic =
            "com org net edu gov mil int info biz name pro aero coop museum mobi asia tel travel jobs cat post app dev page shop store online site tech website space cloud email mail live life world today news blog design digital agency company solutions services support systems group global network media studio art club fun xyz top icu vip win link click one plus zone center city london paris berlin nyc tokyo amsterdam bank insurance finance money capital consulting health care clinic dental legal law work works team social family love guru expert academy school college university education energy eco green travel tours hotel restaurant cafe bar pizza coffee fitness yoga golf games game play music video movie photo photography pics gallery events party wedding dating chat forum community help host hosting domains software tools codes build systems solutions management marketing business biz ltd llc inc gmbh co careers jobs partners holdings ventures investments fund trade market markets exchange tax accountant lawyer attorney realestate property properties house homes land estate rentals apartments gov uk"
        return Set((countries + " " + generic).split(separator: " ").map { Array($0.utf8) })
    }()

    /// Country calling codes of two digits (ITU-T E.164); 1 and 7 stand alone.
    private static let twoDigitCallingCodes: Set<Int> = [
        20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66,
        81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
    ]
    /// The first two digits of the three-digit country calling codes.
    private static let threeDigitCallingPrefixes: Set<Int> = [
        21, 22, 23, 24, 25, 26, 29, 35, 37, 38, 42, 50, 59, 67, 68, 69, 80, 85, 87, 88, 96, 97, 99,
    ]

    /// Whether a number's first digits (`code`, `digits` of them, at most 3) start with an
    /// assigned country calling code.
    static func isCountryCallingCode(_ code: Int, digits: Int) -> Bool {
        let first = digits == 3 ? code / 100 : digits == 2 ? code / 10 : code
        if first == 1 || first == 7 { return true }
        guard digits >= 2 else { return false }
        let two = digits == 3 ? code / 10 : code
        return twoDigitCallingCodes.contains(two) || (digits == 3 && threeDigitCallingPrefixes.contains(two))
    }

    /// Whether a card issuer uses `prefix` (the first six digits) with `length` digits: Visa,
    /// Mastercard, American Express, Diners Club, JCB, Discover, UnionPay, Maestro, Mir.
    static func issuerUses(prefix: Int, length: Int) -> Bool {
        let one = prefix / 100_000
        let two = prefix / 10_000
        let three = prefix / 1_000
        let four = prefix / 100
        if one == 4 { return length == 13 || length == 16 || length == 19 }
        if (51...55).contains(two) || (2221...2720).contains(four) { return length == 16 }
        if two == 34 || two == 37 { return length == 15 }
        if (2200...2204).contains(four) { return (16...19).contains(length) }
        if (300...305).contains(three) || two == 36 || two == 38 || two == 39 { return (14...19).contains(length) }
        if (3528...3589).contains(four) { return (16...19).contains(length) }
        if two == 50 || (56...58).contains(two) || one == 6 { return (13...19).contains(length) }
        return false
    }

    /// IBAN lengths by country (SWIFT's IBAN registry).
    private static let ibanLengths: [UInt16: Int] = {
        let table =
            "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30"
        var lengths: [UInt16: Int] = [:]
        for entry in table.split(separator: " ") {
            let bytes = Array(entry.utf8)
            lengths[UInt16(bytes[0]) << 8 | UInt16(bytes[1])] = Int(String(entry.dropFirst(2)))
        }
        return lengths
    }()

    /// The IBAN length of a country (upper-case ASCII letters), or nil for no IBAN country.
    static func ibanLength(_ first: UInt8, _ second: UInt8) -> Int? { ibanLengths[UInt16(first) << 8 | UInt16(second)] }
}
