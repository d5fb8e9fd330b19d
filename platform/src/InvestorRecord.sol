// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title InvestorRecord
/// @notice Bit layout of the one-slot wallet record kept by {InvestorRegistry} and read by
/// every {SecurityToken} on each transfer. Packing the record in a single word lets a token
/// learn everything it needs about both parties of a transfer with one external call and two
/// storage reads.
///
/// | bits    | field      | meaning                                                     |
/// |---------|------------|-------------------------------------------------------------|
/// | 0..63   | investorId | platform investor id; 0 = wallet never registered           |
/// | 64..79  | country    | ISO 3166-1 numeric country code                             |
/// | 80..119 | kycExpiry  | unix time until which the KYC is valid (inclusive)          |
/// | 120..127| flags      | FLAG_ACCREDITED, FLAG_QUALIFIED, FLAG_MULTI, FLAG_REVOKED   |
///
/// A wallet's investor id never changes once set (a revoked wallet keeps it), so a token's
/// per-investor bookkeeping can always attribute a wallet's balance to the right investor.
library InvestorRecord {
    uint8 internal constant FLAG_ACCREDITED = 0x01;
    uint8 internal constant FLAG_QUALIFIED = 0x02;
    /// @dev Set by the registry on every wallet of an investor with two or more wallets;
    /// never accepted as input. Tokens keep a per-investor balance only for such investors
    /// (for a single-wallet investor the wallet balance IS the investor balance).
    uint8 internal constant FLAG_MULTI = 0x40;
    /// @dev Set by the registry when a wallet is revoked; never accepted as input.
    uint8 internal constant FLAG_REVOKED = 0x80;

    function pack(uint64 investorId_, uint16 country_, uint40 kycExpiry_, uint8 flags_)
        internal
        pure
        returns (uint256)
    {
        return uint256(investorId_) | (uint256(country_) << 64) | (uint256(kycExpiry_) << 80)
            | (uint256(flags_) << 120);
    }

    function investorId(uint256 r) internal pure returns (uint64) {
        return uint64(r);
    }

    function country(uint256 r) internal pure returns (uint16) {
        return uint16(r >> 64);
    }

    function kycExpiry(uint256 r) internal pure returns (uint40) {
        return uint40(r >> 80);
    }

    function flags(uint256 r) internal pure returns (uint8) {
        return uint8(r >> 120);
    }

    function isMulti(uint256 r) internal pure returns (bool) {
        return (uint8(r >> 120) & FLAG_MULTI) != 0;
    }

    /// @notice True when the wallet is bound to an investor and not revoked.
    function isActive(uint256 r) internal pure returns (bool) {
        return uint64(r) != 0 && (uint8(r >> 120) & FLAG_REVOKED) == 0;
    }

    /// @notice True when the KYC of the record has passed its expiry at `timestamp`.
    function isExpired(uint256 r, uint256 timestamp) internal pure returns (bool) {
        return uint40(r >> 80) < timestamp;
    }
}
