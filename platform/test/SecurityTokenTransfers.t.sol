// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Fixture} from "./utils/Fixture.sol";
import {SecurityToken} from "../src/SecurityToken.sol";

/// @notice Investor transfers: the happy path and every ERC-1404 restriction code.
contract SecurityTokenTransfersTest is Fixture {
    function setUp() public override {
        super.setUp();
        mintTo(alice, 1000);
        mintTo(bob, 500);
    }

    function expectCode(address from, address to, uint256 amount, uint8 code) internal view {
        assertEq(tok.detectTransferRestriction(from, to, amount), code, tok.messageForTransferRestriction(code));
    }

    function test_metadata() public view {
        assertEq(tok.decimals(), 18, "decimals");
        assertEq(tok.name(), "Shoken Bond 2030", "name");
        assertEq(tok.symbol(), "SB30", "symbol");
        assertEq(address(tok.registry()), address(reg), "registry");
    }

    function test_transfer_happyPath() public {
        expectCode(alice, bob, 100, 0);
        vm.prank(alice);
        assertTrue(tok.transfer(bob, 100), "returns true");
        assertEq(tok.balanceOf(alice), 900, "alice");
        assertEq(tok.balanceOf(bob), 600, "bob");
        assertEq(tok.holderCount(), 2, "holders");
    }

    function test_transferFrom_spendsAllowance() public {
        vm.prank(alice);
        tok.approve(carol, 50);
        vm.prank(carol);
        tok.transferFrom(alice, bob, 30);
        assertEq(tok.allowance(alice, carol), 20, "allowance left");
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, carol, 20, 21));
        vm.prank(carol);
        tok.transferFrom(alice, bob, 21);
    }

    function test_holders_countedByInvestor_notWallet() public {
        reg.registerWallet(ref(), dave, ALICE, JP, FAR, 1);
        vm.prank(alice);
        tok.transfer(dave, 400); // same investor: no holder change
        assertEq(tok.holderCount(), 2, "still two investors");
        assertEq(tok.investorBalanceOf(ALICE), 1000, "investor balance");
        vm.prank(alice);
        tok.transfer(carol, 600); // alice wallet empties, but dave still holds
        assertEq(tok.holderCount(), 3, "carol joins, alice stays");
        vm.prank(dave);
        tok.transfer(carol, 400);
        assertEq(tok.holderCount(), 2, "alice leaves");
        assertEq(tok.investorBalanceOf(ALICE), 0, "alice investor empty");
    }

    function test_code1_paused() public {
        tok.pause(ref());
        expectCode(alice, bob, 1, 1);
        vm.expectRevert(SecurityToken.TokenPaused.selector);
        vm.prank(alice);
        tok.transfer(bob, 1);
    }

    function test_code2_fromNotRegistered() public {
        reg.revokeWallet(ref(), alice);
        expectCode(alice, bob, 1, 2);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.WalletNotRegistered.selector, alice));
        vm.prank(alice);
        tok.transfer(bob, 1);
    }

    function test_code3_toNotRegistered() public {
        expectCode(alice, outsider, 1, 3);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.WalletNotRegistered.selector, outsider));
        vm.prank(alice);
        tok.transfer(outsider, 1);
    }

    function test_code4_fromKycExpired() public {
        reg.updateInvestor(ref(), ALICE, JP, uint40(block.timestamp - 1), 1);
        expectCode(alice, bob, 1, 4);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.KycExpired.selector, alice));
        vm.prank(alice);
        tok.transfer(bob, 1);
    }

    function test_code5_toKycExpired() public {
        reg.updateInvestor(ref(), BOB, US, uint40(block.timestamp - 1), 2);
        expectCode(alice, bob, 1, 5);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.KycExpired.selector, bob));
        vm.prank(alice);
        tok.transfer(bob, 1);
    }

    function test_code6_fromFrozen() public {
        tok.setWalletFrozen(ref(), alice, true);
        expectCode(alice, bob, 1, 6);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.WalletFrozen.selector, alice));
        vm.prank(alice);
        tok.transfer(bob, 1);
    }

    function test_code7_toFrozen() public {
        tok.setWalletFrozen(ref(), bob, true);
        expectCode(alice, bob, 1, 7);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.WalletFrozen.selector, bob));
        vm.prank(alice);
        tok.transfer(bob, 1);
    }

    function test_code8_insufficientFreeBalance() public {
        tok.freezeTokens(ref(), alice, 300);
        expectCode(alice, bob, 701, 8);
        expectCode(alice, bob, 700, 0);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.InsufficientFreeBalance.selector, alice, 700, 701));
        vm.prank(alice);
        tok.transfer(bob, 701);
    }

    function test_code9_lockedUp() public {
        tok.setRules(ref(), 0, uint40(block.timestamp + 100), 0, 0);
        expectCode(alice, bob, 1, 9);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.TransferRestricted.selector, uint8(9)));
        vm.prank(alice);
        tok.transfer(bob, 1);
        vm.warp(block.timestamp + 100);
        expectCode(alice, bob, 1, 0);
    }

    function test_code10_countryNotAllowed() public {
        uint16[] memory cs = new uint16[](1);
        cs[0] = JP;
        tok.setCountriesAllowed(ref(), cs, true);
        tok.setRules(ref(), tok.RULE_COUNTRY_ALLOWLIST(), 0, 0, 0);
        expectCode(alice, bob, 1, 10); // bob is US
        expectCode(bob, alice, 1, 0); // alice is JP
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.TransferRestricted.selector, uint8(10)));
        vm.prank(alice);
        tok.transfer(bob, 1);
        assertTrue(tok.isCountryAllowed(JP) && !tok.isCountryAllowed(US), "allowlist");
        tok.setCountriesAllowed(ref(), cs, false);
        assertTrue(!tok.isCountryAllowed(JP), "removed");
    }

    function test_code11_notAccredited() public {
        tok.setRules(ref(), tok.RULE_ACCREDITED_ONLY(), 0, 0, 0);
        expectCode(alice, bob, 1, 11);
        expectCode(bob, alice, 1, 0);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.TransferRestricted.selector, uint8(11)));
        vm.prank(alice);
        tok.transfer(bob, 1);
    }

    function test_code12_notQualified() public {
        tok.setRules(ref(), tok.RULE_QUALIFIED_ONLY(), 0, 0, 0);
        expectCode(bob, alice, 1, 12);
        expectCode(alice, bob, 1, 0);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.TransferRestricted.selector, uint8(12)));
        vm.prank(bob);
        tok.transfer(alice, 1);
    }

    function test_code13_maxBalanceExceeded() public {
        tok.setRules(ref(), 0, 0, 0, 600);
        expectCode(alice, bob, 101, 13);
        expectCode(alice, bob, 100, 0);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.TransferRestricted.selector, uint8(13)));
        vm.prank(alice);
        tok.transfer(bob, 101);
    }

    function test_code14_maxHoldersReached() public {
        tok.setRules(ref(), 0, 0, 2, 0);
        expectCode(alice, carol, 1, 14);
        expectCode(alice, carol, 1000, 0); // alice leaves: count unchanged
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.TransferRestricted.selector, uint8(14)));
        vm.prank(alice);
        tok.transfer(carol, 1);
    }

    function test_messages_forAllCodes() public view {
        assertEq(tok.messageForTransferRestriction(0), "SUCCESS", "0");
        for (uint8 c = 1; c <= 14; ++c) {
            assertTrue(bytes(tok.messageForTransferRestriction(c)).length > 0, "message");
        }
        assertEq(tok.messageForTransferRestriction(15), "UNKNOWN_CODE", "unknown");
    }

    function test_transferableBalanceOf() public {
        assertEq(tok.transferableBalanceOf(alice), 1000, "free");
        tok.freezeTokens(ref(), alice, 250);
        assertEq(tok.transferableBalanceOf(alice), 750, "minus frozen");
        tok.setWalletFrozen(ref(), alice, true);
        assertEq(tok.transferableBalanceOf(alice), 0, "wallet frozen");
        tok.setWalletFrozen(ref(), alice, false);
        tok.pause(ref());
        assertEq(tok.transferableBalanceOf(alice), 0, "paused");
        tok.unpause(ref());
        tok.setRules(ref(), 0, uint40(block.timestamp + 1), 0, 0);
        assertEq(tok.transferableBalanceOf(alice), 0, "locked");
        tok.setRules(ref(), 0, 0, 0, 0);
        reg.updateInvestor(ref(), ALICE, JP, 1, 1);
        assertEq(tok.transferableBalanceOf(alice), 0, "kyc expired");
        assertEq(tok.transferableBalanceOf(outsider), 0, "unregistered");
    }

    function test_selfTransfer_keepsBalance() public {
        vm.prank(alice);
        tok.transfer(alice, 10);
        assertEq(tok.balanceOf(alice), 1000, "unchanged");
    }

    function test_zeroTransfer_doesNotChangeHolders() public {
        vm.prank(carol);
        tok.transfer(bob, 0);
        assertEq(tok.holderCount(), 2, "holders");
    }
}
