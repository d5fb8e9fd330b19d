// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Fixture} from "./utils/Fixture.sol";
import {InvestorRegistry} from "../src/InvestorRegistry.sol";

contract InvestorRegistryTest is Fixture {
    function test_registerWallet_storesRecord() public view {
        (uint64 id, uint16 country, uint40 exp, uint8 flags, bool active) = reg.investorOf(alice);
        assertEq(id, ALICE, "id");
        assertEq(country, JP, "country");
        assertEq(exp, FAR, "expiry");
        assertEq(flags, 1, "flags");
        assertTrue(active, "active");
        assertTrue(reg.isVerified(alice), "verified");
        assertTrue(!reg.isVerified(outsider), "outsider not verified");
    }

    function test_secondWallet_sharesAttributes_andSetsMulti() public {
        reg.registerWallet(ref(), dave, ALICE, US, 2_000_000_000, 3);
        (, uint16 c1, uint40 e1, uint8 f1,) = reg.investorOf(alice);
        (uint64 id2, uint16 c2,,,) = reg.investorOf(dave);
        assertEq(id2, ALICE, "bound to alice");
        assertEq(c1, US, "alice's first wallet updated");
        assertEq(c2, US, "second wallet");
        assertEq(e1, 2_000_000_000, "expiry on all wallets");
        assertEq(f1, 3, "public flags hide FLAG_MULTI");
        assertEq((reg.recordOf(alice) >> 120) & 0x40, 0x40, "multi flag stored");
        assertEq(reg.walletsOf(ALICE).length, 2, "two wallets");
    }

    function test_registerWallets_batch() public {
        InvestorRegistry.Registration[] memory regs = new InvestorRegistry.Registration[](2);
        regs[0] = InvestorRegistry.Registration(address(0x1001), 10, JP, FAR, 0);
        regs[1] = InvestorRegistry.Registration(address(0x1002), 11, US, FAR, 1);
        reg.registerWallets(ref(), regs);
        (uint64 id,,,,) = reg.investorOf(address(0x1002));
        assertEq(id, 11, "batch registered");
    }

    function test_updateInvestor_appliesToAllWallets() public {
        reg.registerWallet(ref(), dave, ALICE, JP, FAR, 1);
        reg.updateInvestor(ref(), ALICE, DE, 1_800_000_000, 0);
        (, uint16 c,, uint8 f,) = reg.investorOf(dave);
        assertEq(c, DE, "country");
        assertEq(f, 0, "flags");
    }

    function test_updateInvestor_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(InvestorRegistry.UnknownInvestor.selector, uint64(99)));
        reg.updateInvestor(ref(), 99, JP, FAR, 0);
    }

    function test_revokeWallet_keepsBinding_andCanReactivate() public {
        reg.revokeWallet(ref(), bob);
        (uint64 id,,,, bool active) = reg.investorOf(bob);
        assertEq(id, BOB, "binding kept");
        assertTrue(!active, "revoked");
        vm.expectRevert(abi.encodeWithSelector(InvestorRegistry.WalletNotRegistered.selector, bob));
        reg.revokeWallet(ref(), bob);
        reg.registerWallet(ref(), bob, BOB, US, FAR, 2);
        (,,,, active) = reg.investorOf(bob);
        assertTrue(active, "re-activated");
    }

    function test_walletBoundToOtherInvestor_reverts() public {
        reg.revokeWallet(ref(), bob);
        vm.expectRevert(abi.encodeWithSelector(InvestorRegistry.WalletBoundToOtherInvestor.selector, bob, BOB));
        reg.registerWallet(ref(), bob, CAROL, US, FAR, 0);
    }

    function test_badInputs_revert() public {
        vm.expectRevert(abi.encodeWithSelector(InvestorRegistry.InvalidWallet.selector, address(0)));
        reg.registerWallet(ref(), address(0), 5, JP, FAR, 0);
        vm.expectRevert(InvestorRegistry.InvalidInvestorId.selector);
        reg.registerWallet(ref(), outsider, 0, JP, FAR, 0);
        vm.expectRevert(abi.encodeWithSelector(InvestorRegistry.InvalidFlags.selector, uint8(0x80)));
        reg.registerWallet(ref(), outsider, 5, JP, FAR, 0x80);
    }

    function test_refs_areSingleUse_andNonEmpty() public {
        bytes32 r = ref();
        reg.registerWallet(r, outsider, 7, JP, FAR, 0);
        assertTrue(reg.isRefUsed(r), "used");
        vm.expectRevert(abi.encodeWithSelector(InvestorRegistry.RefAlreadyUsed.selector, r));
        reg.updateInvestor(r, 7, US, FAR, 0);
        vm.expectRevert(InvestorRegistry.EmptyRef.selector);
        reg.updateInvestor(bytes32(0), 7, US, FAR, 0);
    }

    function test_onlyAgent_writes() public {
        bytes32 role = reg.AGENT_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, outsider, role));
        vm.prank(outsider);
        reg.registerWallet(bytes32(uint256(999)), outsider, 9, JP, FAR, 0);
    }

    function test_recordsOfMany() public view {
        address[] memory ws = new address[](2);
        ws[0] = alice;
        ws[1] = outsider;
        uint256[] memory rs = reg.recordsOfMany(ws);
        assertEq(uint64(rs[0]), ALICE, "alice");
        assertEq(rs[1], 0, "outsider empty");
        (uint256 a, uint256 b) = reg.recordsOf(alice, bob);
        assertEq(uint64(a), ALICE, "pair a");
        assertEq(uint64(b), BOB, "pair b");
    }

    function test_kycExpiry_isInclusive() public {
        reg.updateInvestor(ref(), CAROL, DE, uint40(block.timestamp), 0);
        assertTrue(reg.isVerified(carol), "valid on expiry second");
        vm.warp(block.timestamp + 1);
        assertTrue(!reg.isVerified(carol), "expired after");
    }
}
