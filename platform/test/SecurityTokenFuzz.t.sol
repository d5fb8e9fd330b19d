// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";

contract SecurityTokenFuzzTest is Fixture {
    function testFuzz_transfer_succeedsIffWithinFreeBalance(uint256 minted, uint256 frozen, uint256 amount) public {
        minted = bound(minted, 1, 1e30);
        frozen = bound(frozen, 0, minted);
        amount = bound(amount, 0, 2e30);
        mintTo(alice, minted);
        tok.freezeTokens(ref(), alice, frozen);
        uint8 code = tok.detectTransferRestriction(alice, bob, amount);
        assertEq(code, amount <= minted - frozen ? 0 : 8, "code");
        vm.prank(alice);
        try tok.transfer(bob, amount) {
            assertTrue(code == 0, "succeeded only when allowed");
            assertEq(tok.balanceOf(bob), amount, "bob credited");
        } catch {
            assertTrue(code != 0, "reverted only when restricted");
        }
        assertEq(tok.balanceOf(alice) + tok.balanceOf(bob), minted, "conservation");
    }

    function testFuzz_mintBurn_supplyMatchesBalances(uint128 a, uint128 b, uint128 burnA) public {
        uint256 ma = bound(a, 0, 1e32);
        uint256 mb = bound(b, 0, 1e32);
        mintTo(alice, ma);
        mintTo(bob, mb);
        uint256 ba = bound(burnA, 0, ma);
        tok.burn(ref(), alice, ba);
        assertEq(tok.totalSupply(), tok.balanceOf(alice) + tok.balanceOf(bob), "supply");
        assertEq(tok.holderCount(), (ma - ba > 0 ? 1 : 0) + (mb > 0 ? 1 : 0), "holders");
    }

    function testFuzz_maxBalance(uint256 cap, uint256 amount) public {
        cap = bound(cap, 1, 1e24);
        amount = bound(amount, 1, 1e24);
        mintTo(alice, 1e24);
        tok.setRules(ref(), 0, 0, 0, uint128(cap));
        uint8 code = tok.detectTransferRestriction(alice, bob, amount);
        assertEq(code, amount > cap ? 13 : 0, "max balance code");
    }

    function testFuzz_kycExpiry(uint40 expiry, uint32 elapsed) public {
        vm.assume(expiry > 0);
        mintTo(alice, 10);
        reg.updateInvestor(ref(), ALICE, JP, expiry, 1);
        uint256 t = uint256(block.timestamp) + elapsed;
        vm.warp(t);
        uint8 code = tok.detectTransferRestriction(alice, bob, 1);
        assertEq(code, expiry < t ? 4 : 0, "expiry code");
    }
}
