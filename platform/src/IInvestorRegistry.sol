// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title IInvestorRegistry
/// @notice The read side of the registry that tokens depend on. Records are packed words,
/// decoded with {InvestorRecord}.
interface IInvestorRegistry {
    /// @notice Packed record of one wallet (0 when never registered).
    function recordOf(address wallet) external view returns (uint256);

    /// @notice Packed records of the two parties of a transfer, in one call.
    function recordsOf(address a, address b) external view returns (uint256 ra, uint256 rb);

    /// @notice Packed records of many wallets, in one call (batch mint).
    function recordsOfMany(address[] calldata wallets) external view returns (uint256[] memory);

    /// @notice Every wallet ever bound to `investorId` (revoked ones included).
    function walletsOf(uint64 investorId) external view returns (address[] memory);
}
