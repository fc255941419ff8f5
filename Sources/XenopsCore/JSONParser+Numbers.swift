// Number parsing of JSONParser: integers exactly, other numbers as correctly rounded doubles.

/// Exact powers of ten representable in a Double; indexes 0...22 (Clinger's fast path).
fileprivate let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

extension JSONParser {
    // MARK: Numbers

    /// Parses a number starting at `index` ('-' or a digit).
    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        let negative = byte(index) == ASCII.minus
        if negative { index += 1 }

        // Up to 19 significant digits are accumulated exactly (19 nines fit in UInt64);
        // longer numbers go to the slow, correctly rounded path.
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var tooManyDigits = false
        var exponent = 0

        guard index < end else { throw unexpected("expected a digit after '-'", at: index) }
        let firstDigit = byte(index)
        if firstDigit == ASCII.zero {
            index += 1
            if index < end && Self.isDigit(byte(index)) {
                throw error(.invalidNumber, at: index, "leading zeros are not allowed in numbers")
            }
        } else if Self.isDigit(firstDigit) {
            repeat {
                if significantDigits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(byte(index) &- ASCII.zero)
                    significantDigits += 1
                } else {
                    tooManyDigits = true
                }
                index += 1
            } while index < end && Self.isDigit(byte(index))
        } else {
            throw error(.invalidNumber, at: index, "expected a digit after '-', found \(describe(at: index))")
        }

        var isInteger = true
        if index < end && byte(index) == ASCII.dot {
            isInteger = false
            index += 1
            guard index < end else { throw unexpected("expected a digit after the decimal point", at: index) }
            guard Self.isDigit(byte(index)) else {
                throw error(
                    .invalidNumber, at: index,
                    "expected a digit after the decimal point, found \(describe(at: index))"
                )
            }
            repeat {
                if significantDigits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(byte(index) &- ASCII.zero)
                    // Leading zeros of a fraction (0.000x) are not significant.
                    if mantissa != 0 { significantDigits += 1 }
                    exponent -= 1
                } else {
                    tooManyDigits = true
                }
                index += 1
            } while index < end && Self.isDigit(byte(index))
        }

        if index < end && (byte(index) == ASCII.lowerE || byte(index) == ASCII.upperE) {
            isInteger = false
            index += 1
            var exponentNegative = false
            if index < end && (byte(index) == ASCII.plus || byte(index) == ASCII.minus) {
                exponentNegative = byte(index) == ASCII.minus
                index += 1
            }
            guard index < end else { throw unexpected("expected a digit in the exponent", at: index) }
            guard Self.isDigit(byte(index)) else {
                throw error(
                    .invalidNumber, at: index,
                    "expected a digit in the exponent, found \(describe(at: index))"
                )
            }
            var explicitExponent = 0
            repeat {
                // Saturate: anything this large is 0 or out of range, decided by the slow path.
                if explicitExponent < 100_000 {
                    explicitExponent = explicitExponent * 10 + Int(byte(index) &- ASCII.zero)
                }
                index += 1
            } while index < end && Self.isDigit(byte(index))
            exponent += exponentNegative ? -explicitExponent : explicitExponent
        }

        if isInteger && !tooManyDigits {
            if !negative && mantissa <= UInt64(Int64.max) {
                return .int(Int64(mantissa))
            }
            if negative && mantissa <= UInt64(Int64.max) + 1 {
                // -0 is the integer 0: an integer has no negative zero.
                return .int(mantissa == UInt64(Int64.max) + 1 ? Int64.min : -Int64(mantissa))
            }
        }

        var result: Double
        if !tooManyDigits && exponent == 0 {
            // A single conversion of an exact integer: correctly rounded by the hardware.
            result = Double(mantissa)
        } else if !tooManyDigits && mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            // Clinger's fast path: both operands are exact, so one rounding is the only one.
            let scale = exactPowersOfTen[exponent < 0 ? -exponent : exponent]
            result = exponent < 0 ? Double(mantissa) / scale : Double(mantissa) * scale
        } else {
            // Rare (more than 19 digits, or extreme exponents): the standard library's
            // conversion is correctly rounded and locale-independent.
            let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<index]), as: UTF8.self)
            guard let converted = Double(text) else {
                throw error(.invalidNumber, at: start, "number is not representable")
            }
            result = converted.magnitude
        }
        guard result.isFinite else {
            throw error(.invalidNumber, at: start, "number is out of the range of a 64-bit float")
        }
        return .double(negative ? -result : result)
    }
}
