// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {BalanceReader} from "../src/BalanceReader.sol";

/// @notice The reconciler's bulk read answers what the token's own views answer, wallet by wallet.
contract BalanceReaderTest is Fixture {
    BalanceReader internal reader;

    function setUp() public override {
        super.setUp();
        reader = new BalanceReader();
    }

    function test_balancesOf_matchesTheViewsInOrder() public {
        mintTo(alice, 100);
        mintTo(bob, 50);
        tok.freezeTokens(ref(), alice, 30);
        address[] memory wallets = new address[](4);
        wallets[0] = bob;
        wallets[1] = outsider; // never held anything
        wallets[2] = alice;
        wallets[3] = bob; // asked twice, answered twice
        (uint256[] memory balances, uint256[] memory frozen) = reader.balancesOf(address(tok), wallets);
        assertEq(balances.length, 4, "one balance per wallet");
        assertEq(frozen.length, 4, "one frozen amount per wallet");
        for (uint256 i; i < wallets.length; ++i) {
            assertEq(balances[i], tok.balanceOf(wallets[i]), "balance");
            assertEq(frozen[i], tok.frozenBalanceOf(wallets[i]), "frozen");
        }
        assertEq(balances[2], 100, "alice");
        assertEq(frozen[2], 30, "alice frozen");
    }

    function test_balancesOf_noWallets() public view {
        (uint256[] memory balances, uint256[] memory frozen) = reader.balancesOf(address(tok), new address[](0));
        assertEq(balances.length + frozen.length, 0, "empty");
    }

    function testFuzz_balancesOf(uint96 a, uint96 b, uint96 f) public {
        vm.assume(a > 0);
        mintTo(alice, a);
        mintTo(bob, b);
        tok.freezeTokens(ref(), alice, uint256(f) % (uint256(a) + 1));
        address[] memory wallets = new address[](2);
        wallets[0] = alice;
        wallets[1] = bob;
        (uint256[] memory balances, uint256[] memory frozen) = reader.balancesOf(address(tok), wallets);
        assertEq(balances[0], a, "alice");
        assertEq(balances[1], b, "bob");
        assertEq(frozen[0], tok.frozenBalanceOf(alice), "alice frozen");
        assertEq(frozen[1], 0, "bob frozen");
    }

    function test_balancesOf_aNonTokenReverts() public {
        address[] memory wallets = new address[](1);
        wallets[0] = alice;
        vm.expectRevert();
        reader.balancesOf(outsider, wallets);
    }
}
