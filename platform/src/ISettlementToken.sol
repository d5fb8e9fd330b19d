// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title ISettlementToken
/// @notice What {Settlement} calls on a {SecurityToken} (security and cash legs alike). Both
/// functions answer with the ERC-1404 code instead of reverting, so the settlement contract
/// can name the leg that failed; a non-zero code means nothing changed.
interface ISettlementToken {
    /// @notice Moves `amount` from `from` to `to` under the investor-transfer rules.
    function settlementTransfer(address from, address to, uint256 amount) external returns (uint8 code);

    /// @notice Issues `amount` to `to` under the mint recipient rules.
    function settlementMint(bytes32 ref, address to, uint256 amount) external returns (uint8 code);
}
