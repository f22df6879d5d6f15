//! Memory sizes as QEMU's `-m` takes them: a number with an optional unit suffix
//! (B, K, M, G, T, P, E; either case), a plain number meaning MiB, a fraction
//! only together with a suffix ("1.5G"), hexadecimal with `0x`.

/// Parse a `-m` value into bytes.
pub fn parse_ram_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let invalid = || {
        format!("'{text}' is not a size (a number with an optional suffix B, K, M, G, T, P or E; plain numbers are MiB)")
    };
    let hex = text.starts_with("0x") || text.starts_with("0X");
    let number_len = if hex {
        2 + text[2..].bytes().take_while(u8::is_ascii_hexdigit).count()
    } else {
        text.bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count()
    };
    let (number, suffix) = text.split_at(number_len);
    let mut suffix_chars = suffix.chars();
    let unit = match (suffix_chars.next(), suffix_chars.next()) {
        (None, _) => None,
        (Some(c), None) => Some(c.to_ascii_uppercase()),
        _ => return Err(invalid()),
    };
    let shift = match unit {
        None | Some('M') => 20,
        Some('B') => 0,
        Some('K') => 10,
        Some('G') => 30,
        Some('T') => 40,
        Some('P') => 50,
        Some('E') => 60,
        Some(_) => return Err(invalid()),
    };
    let too_big = || format!("'{text}' is too large");
    if hex {
        let value = u64::from_str_radix(&number[2..], 16).map_err(|_| invalid())?;
        return value.checked_mul(1 << shift).ok_or_else(too_big);
    }
    match number.split_once('.') {
        None => {
            let value: u64 = digits(number).ok_or_else(invalid)?;
            value.checked_mul(1 << shift).ok_or_else(too_big)
        }
        Some(_) if unit.is_none() => Err(invalid()),
        Some((whole, fraction)) => {
            let whole: u64 = if whole.is_empty() {
                0
            } else {
                digits(whole).ok_or_else(invalid)?
            };
            if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            let unit_bytes = 1u128 << shift;
            let mut scaled = whole as u128 * unit_bytes;
            let mut denominator = 1u128;
            let mut numerator = 0u128;
            for b in fraction.bytes().take(18) {
                numerator = numerator * 10 + (b - b'0') as u128;
                denominator *= 10;
            }
            scaled += numerator * unit_bytes / denominator;
            u64::try_from(scaled).map_err(|_| too_big())
        }
    }
}

fn digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    #[test]
    fn accepts_what_qemu_accepts() {
        assert_eq!(parse_ram_size("128"), Ok(128 * MIB));
        assert_eq!(parse_ram_size("128M"), Ok(128 * MIB));
        assert_eq!(parse_ram_size("128m"), Ok(128 * MIB));
        assert_eq!(parse_ram_size("1G"), Ok(1024 * MIB));
        assert_eq!(parse_ram_size("1g"), Ok(1024 * MIB));
        assert_eq!(parse_ram_size("0.5G"), Ok(512 * MIB));
        assert_eq!(parse_ram_size("1.5G"), Ok(1536 * MIB));
        assert_eq!(parse_ram_size("131072K"), Ok(128 * MIB));
        assert_eq!(parse_ram_size("134217728B"), Ok(128 * MIB));
        assert_eq!(parse_ram_size("0x40"), Ok(64 * MIB));
        assert_eq!(parse_ram_size(" 256 "), Ok(256 * MIB));
        assert_eq!(parse_ram_size("0"), Ok(0));
    }

    #[test]
    fn rejects_what_qemu_rejects() {
        for bad in [
            "",
            "abc",
            "128MB",
            "1.5",
            "1e3",
            "-1",
            "1.G",
            "12X",
            "M",
            "99999999999999999999",
        ] {
            assert!(parse_ram_size(bad).is_err(), "{bad:?} accepted");
        }
        assert!(parse_ram_size("20000000T")
            .unwrap_err()
            .contains("too large"));
    }
}
