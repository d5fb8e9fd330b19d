// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice The two views of a SecurityToken the reconciler compares with the register.
interface IBalanceViews {
    function balanceOf(address wallet) external view returns (uint256);

    function frozenBalanceOf(address wallet) external view returns (uint256);
}

/// @title BalanceReader
/// @notice Read-only helper for the reconciler (chain/reconciler.py): the balance and the
/// frozen amount of many wallets of one token in ONE `eth_call`. It is never deployed: the
/// platform passes its runtime code as an `eth_call` state override at a fixed address, so it
/// reads any already deployed token at any past block, through the token's own public views
/// (no assumption about its storage layout). Measured on anvil, several times faster than two
/// `eth_call`s per wallet in JSON-RPC batches (docs/chain.md, "Reconciliation at scale").
contract BalanceReader {
    /// @notice `balanceOf` and `frozenBalanceOf` of each wallet, in the order given.
    function balancesOf(address token, address[] calldata wallets)
        external
        view
        returns (uint256[] memory balances, uint256[] memory frozen)
    {
        IBalanceViews t = IBalanceViews(token);
        uint256 n = wallets.length;
        balances = new uint256[](n);
        frozen = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            address w = wallets[i];
            balances[i] = t.balanceOf(w);
            frozen[i] = t.frozenBalanceOf(w);
        }
    }
}
