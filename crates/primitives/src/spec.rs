//! The hard forks Kestrel implements, in activation order.

use core::fmt;
use core::str::FromStr;

/// A hard fork of Ethereum mainnet, ordered by activation.
///
/// The discriminants are dense from 0, so `spec as usize` indexes every per-fork table
/// (`[T; SpecId::COUNT]`). Mappings over forks are written as `match` without a wildcard arm,
/// so adding a fork is a compile error wherever a fork matters.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SpecId {
    /// Frontier (2015).
    Frontier = 0,
    /// Homestead (EIP-2, 7, 8).
    Homestead,
    /// Tangerine Whistle (EIP-150), `EIP150` in the state tests.
    TangerineWhistle,
    /// Spurious Dragon (EIP-155, 160, 161, 170), `EIP158` in the state tests.
    SpuriousDragon,
    /// Byzantium (EIP-100, 140, 196, 197, 198, 211, 214, 649, 658).
    Byzantium,
    /// Constantinople (EIP-145, 1014, 1052, 1283, 1234); never ran on mainnet.
    Constantinople,
    /// Petersburg: Constantinople without EIP-1283, `ConstantinopleFix` in the state tests.
    Petersburg,
    /// Istanbul (EIP-152, 1108, 1344, 1884, 2028, 2200).
    Istanbul,
    /// Berlin (EIP-2565, 2929, 2718, 2930).
    Berlin,
    /// London (EIP-1559, 3198, 3529, 3541).
    London,
    /// Paris, the Merge (EIP-3675, 4399), `Merge` or `Paris` in the state tests.
    Paris,
    /// Shanghai (EIP-3651, 3855, 3860, 4895).
    Shanghai,
    /// Cancun (EIP-1153, 4788, 4844, 5656, 6780, 7516).
    Cancun,
    /// Prague (EIP-2537, 2935, 6110, 7002, 7251, 7623, 7685, 7691, 7702).
    Prague,
    /// Osaka (EIP-7594, 7823, 7825, 7883, 7917, 7918, 7934, 7939, 7951).
    Osaka,
}

impl SpecId {
    /// The fork after `self`, `None` for the newest. The one list of forks in order: [`ALL`],
    /// [`COUNT`] and [`LATEST`] are derived from it, so a fork added to the enum and forgotten
    /// here is a compile error (the match has no wildcard), not a silently shorter table.
    ///
    /// [`ALL`]: Self::ALL
    /// [`COUNT`]: Self::COUNT
    /// [`LATEST`]: Self::LATEST
    pub const fn next(self) -> Option<SpecId> {
        match self {
            SpecId::Frontier => Some(SpecId::Homestead),
            SpecId::Homestead => Some(SpecId::TangerineWhistle),
            SpecId::TangerineWhistle => Some(SpecId::SpuriousDragon),
            SpecId::SpuriousDragon => Some(SpecId::Byzantium),
            SpecId::Byzantium => Some(SpecId::Constantinople),
            SpecId::Constantinople => Some(SpecId::Petersburg),
            SpecId::Petersburg => Some(SpecId::Istanbul),
            SpecId::Istanbul => Some(SpecId::Berlin),
            SpecId::Berlin => Some(SpecId::London),
            SpecId::London => Some(SpecId::Paris),
            SpecId::Paris => Some(SpecId::Shanghai),
            SpecId::Shanghai => Some(SpecId::Cancun),
            SpecId::Cancun => Some(SpecId::Prague),
            SpecId::Prague => Some(SpecId::Osaka),
            SpecId::Osaka => None,
        }
    }

    /// The number of forks; the length of every per-fork table.
    pub const COUNT: usize = {
        let mut count = 1;
        let mut spec = SpecId::Frontier;
        while let Some(next) = spec.next() {
            count += 1;
            spec = next;
        }
        count
    };

    /// Every fork, oldest first: Frontier and its successors ([`next`](Self::next)).
    pub const ALL: [SpecId; Self::COUNT] = {
        let mut all = [SpecId::Frontier; Self::COUNT];
        let mut i = 1;
        while i < Self::COUNT {
            all[i] = all[i - 1].next().expect("COUNT counts the successors");
            i += 1;
        }
        all
    };

    /// The newest fork Kestrel implements.
    pub const LATEST: SpecId = Self::ALL[Self::COUNT - 1];

    /// True when `fork` is active in `self`, i.e. `self` is `fork` or a later fork.
    #[inline(always)]
    pub const fn is_enabled_in(self, fork: SpecId) -> bool {
        self as u8 >= fork as u8
    }

    /// The fork's index into per-fork tables.
    #[inline(always)]
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The canonical name, as the newest state tests spell it.
    pub const fn name(self) -> &'static str {
        match self {
            SpecId::Frontier => "Frontier",
            SpecId::Homestead => "Homestead",
            SpecId::TangerineWhistle => "EIP150",
            SpecId::SpuriousDragon => "EIP158",
            SpecId::Byzantium => "Byzantium",
            SpecId::Constantinople => "Constantinople",
            SpecId::Petersburg => "ConstantinopleFix",
            SpecId::Istanbul => "Istanbul",
            SpecId::Berlin => "Berlin",
            SpecId::London => "London",
            SpecId::Paris => "Paris",
            SpecId::Shanghai => "Shanghai",
            SpecId::Cancun => "Cancun",
            SpecId::Prague => "Prague",
            SpecId::Osaka => "Osaka",
        }
    }
}

impl fmt::Display for SpecId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error for a fork name Kestrel does not know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownFork(pub String);

impl fmt::Display for UnknownFork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown fork name {:?}", self.0)
    }
}

impl std::error::Error for UnknownFork {}

impl FromStr for SpecId {
    type Err = UnknownFork;

    /// Parses the fork names used by the state tests and the common aliases
    /// (`EIP150`, `EIP158`, `ConstantinopleFix`, `Merge`/`Paris` …), case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let spec = match s.to_ascii_lowercase().as_str() {
            "frontier" => SpecId::Frontier,
            "homestead" => SpecId::Homestead,
            "eip150" | "tangerinewhistle" | "tangerine" => SpecId::TangerineWhistle,
            "eip158" | "spuriousdragon" | "spurious" => SpecId::SpuriousDragon,
            "byzantium" => SpecId::Byzantium,
            "constantinople" => SpecId::Constantinople,
            "constantinoplefix" | "petersburg" => SpecId::Petersburg,
            "istanbul" => SpecId::Istanbul,
            "berlin" => SpecId::Berlin,
            "london" => SpecId::London,
            "paris" | "merge" => SpecId::Paris,
            "shanghai" => SpecId::Shanghai,
            "cancun" => SpecId::Cancun,
            "prague" => SpecId::Prague,
            "osaka" => SpecId::Osaka,
            _ => return Err(UnknownFork(s.to_owned())),
        };
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_dense_and_ordered() {
        for (i, spec) in SpecId::ALL.iter().enumerate() {
            assert_eq!(spec.index(), i);
        }
        assert!(SpecId::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn all_follows_the_successors() {
        for pair in SpecId::ALL.windows(2) {
            assert_eq!(pair[0].next(), Some(pair[1]));
        }
        assert_eq!(SpecId::ALL[0], SpecId::Frontier);
        assert_eq!(SpecId::LATEST.next(), None);
    }

    #[test]
    fn names_round_trip() {
        for spec in SpecId::ALL {
            assert_eq!(spec.name().parse::<SpecId>(), Ok(spec));
        }
        assert_eq!("Merge".parse(), Ok(SpecId::Paris));
        assert_eq!("ConstantinopleFix".parse(), Ok(SpecId::Petersburg));
        assert!("Amsterdam".parse::<SpecId>().is_err());
    }

    #[test]
    fn enabled_is_inclusive() {
        assert!(SpecId::Berlin.is_enabled_in(SpecId::Berlin));
        assert!(SpecId::London.is_enabled_in(SpecId::Berlin));
        assert!(!SpecId::Istanbul.is_enabled_in(SpecId::Berlin));
    }
}
