// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title RestrictionCodes
/// @notice ERC-1404 transfer restriction codes of {SecurityToken}. The numbers are stable:
/// the platform stores them; never renumber, only append.
library RestrictionCodes {
    uint8 internal constant SUCCESS = 0;
    uint8 internal constant PAUSED = 1;
    uint8 internal constant FROM_NOT_REGISTERED = 2;
    uint8 internal constant TO_NOT_REGISTERED = 3;
    uint8 internal constant FROM_KYC_EXPIRED = 4;
    uint8 internal constant TO_KYC_EXPIRED = 5;
    uint8 internal constant FROM_FROZEN = 6;
    uint8 internal constant TO_FROZEN = 7;
    uint8 internal constant INSUFFICIENT_FREE_BALANCE = 8;
    uint8 internal constant LOCKED_UP = 9;
    uint8 internal constant COUNTRY_NOT_ALLOWED = 10;
    uint8 internal constant NOT_ACCREDITED = 11;
    uint8 internal constant NOT_QUALIFIED = 12;
    uint8 internal constant MAX_BALANCE_EXCEEDED = 13;
    uint8 internal constant MAX_HOLDERS_REACHED = 14;
    uint8 internal constant LAST = 14;

    /// @notice Human-readable message for `code` ("UNKNOWN_CODE" beyond LAST).
    function message(uint8 code) internal pure returns (string memory) {
        if (code == SUCCESS) return "SUCCESS";
        if (code == PAUSED) return "token is paused";
        if (code == FROM_NOT_REGISTERED) return "sender wallet is not registered";
        if (code == TO_NOT_REGISTERED) return "recipient wallet is not registered";
        if (code == FROM_KYC_EXPIRED) return "sender KYC has expired";
        if (code == TO_KYC_EXPIRED) return "recipient KYC has expired";
        if (code == FROM_FROZEN) return "sender wallet is frozen";
        if (code == TO_FROZEN) return "recipient wallet is frozen";
        if (code == INSUFFICIENT_FREE_BALANCE) return "amount exceeds the unfrozen balance";
        if (code == LOCKED_UP) return "tokens are in lock-up";
        if (code == COUNTRY_NOT_ALLOWED) return "recipient country is not allowed";
        if (code == NOT_ACCREDITED) return "recipient is not accredited";
        if (code == NOT_QUALIFIED) return "recipient is not a qualified investor";
        if (code == MAX_BALANCE_EXCEEDED) return "recipient investor balance would exceed the maximum";
        if (code == MAX_HOLDERS_REACHED) return "maximum number of holders reached";
        return "UNKNOWN_CODE";
    }
}
