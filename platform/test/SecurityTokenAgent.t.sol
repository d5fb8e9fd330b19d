// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Fixture} from "./utils/Fixture.sol";
import {SecurityToken} from "../src/SecurityToken.sol";
import {Documents} from "../src/Documents.sol";

/// @notice Agent and compliance operations, references and roles.
contract SecurityTokenAgentTest is Fixture {
    function test_mint_updatesSupplyHoldersAndRef() public {
        bytes32 r = ref();
        tok.mint(r, alice, 100);
        assertEq(tok.totalSupply(), 100, "supply");
        assertEq(tok.holderCount(), 1, "holders");
        assertTrue(tok.isRefUsed(r), "ref used");
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.RefAlreadyUsed.selector, r));
        tok.mint(r, alice, 100); // a replayed action never mints twice
        vm.expectRevert(SecurityToken.EmptyRef.selector);
        tok.mint(bytes32(0), alice, 100);
    }

    function test_mint_recipientChecks() public {
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.WalletNotRegistered.selector, outsider));
        tok.mint(ref(), outsider, 1);
        reg.updateInvestor(ref(), CAROL, DE, 1, 0);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.KycExpired.selector, carol));
        tok.mint(ref(), carol, 1);
        tok.setWalletFrozen(ref(), bob, true);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.WalletFrozen.selector, bob));
        tok.mint(ref(), bob, 1);
        tok.setRules(ref(), 0, 0, 1, 0);
        mintTo(alice, 1);
        reg.updateInvestor(ref(), CAROL, DE, FAR, 0);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.TransferRestricted.selector, uint8(14)));
        tok.mint(ref(), carol, 1);
    }

    function test_mint_allowedWhilePaused_andSupplyCapped() public {
        tok.pause(ref());
        mintTo(alice, 5);
        uint256 cap = tok.MAX_SUPPLY();
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.SupplyCapExceeded.selector, cap + 5, cap));
        tok.mint(ref(), bob, cap);
    }

    function test_batchMint() public {
        address[] memory to = new address[](3);
        uint256[] memory amounts = new uint256[](3);
        (to[0], to[1], to[2]) = (alice, bob, alice);
        (amounts[0], amounts[1], amounts[2]) = (10, 20, 30);
        tok.batchMint(ref(), to, amounts);
        assertEq(tok.balanceOf(alice), 40, "alice");
        assertEq(tok.totalSupply(), 60, "supply");
        assertEq(tok.holderCount(), 2, "holders");
        vm.expectRevert(SecurityToken.LengthMismatch.selector);
        tok.batchMint(ref(), to, new uint256[](1));
    }

    function test_burn_unfreezesAsNeeded() public {
        mintTo(alice, 100);
        tok.freezeTokens(ref(), alice, 80);
        tok.burn(ref(), alice, 50);
        assertEq(tok.balanceOf(alice), 50, "balance");
        assertEq(tok.frozenBalanceOf(alice), 50, "frozen reduced to balance");
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, alice, 50, 51));
        tok.burn(ref(), alice, 51);
        tok.burn(ref(), alice, 50);
        assertEq(tok.holderCount(), 0, "holder left");
        assertEq(tok.totalSupply(), 0, "supply");
    }

    function test_batchBurn() public {
        mintTo(alice, 100);
        mintTo(bob, 100);
        address[] memory from = new address[](2);
        uint256[] memory amounts = new uint256[](2);
        (from[0], from[1]) = (alice, bob);
        (amounts[0], amounts[1]) = (100, 40);
        tok.batchBurn(ref(), from, amounts);
        assertEq(tok.totalSupply(), 60, "supply");
        assertEq(tok.holderCount(), 1, "holders");
        vm.expectRevert(SecurityToken.LengthMismatch.selector);
        tok.batchBurn(ref(), from, new uint256[](0));
    }

    function test_forcedTransfer_bypassesFreezesAndPause() public {
        mintTo(alice, 100);
        tok.freezeTokens(ref(), alice, 100);
        tok.setWalletFrozen(ref(), alice, true);
        tok.pause(ref());
        tok.forcedTransfer(ref(), alice, bob, 60);
        assertEq(tok.balanceOf(bob), 60, "bob");
        assertEq(tok.frozenBalanceOf(alice), 40, "frozen reduced");
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.WalletNotRegistered.selector, outsider));
        tok.forcedTransfer(ref(), alice, outsider, 1);
        reg.updateInvestor(ref(), CAROL, DE, 1, 0);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.KycExpired.selector, carol));
        tok.forcedTransfer(ref(), alice, carol, 1);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.SameWallet.selector, alice));
        tok.forcedTransfer(ref(), alice, alice, 1);
    }

    function test_recoverWallet() public {
        mintTo(alice, 100);
        tok.freezeTokens(ref(), alice, 30);
        tok.setWalletFrozen(ref(), alice, true); // lost wallet frozen first
        reg.registerWallet(ref(), dave, ALICE, JP, FAR, 1);
        tok.recoverWallet(ref(), alice, dave);
        assertEq(tok.balanceOf(dave), 100, "moved");
        assertEq(tok.frozenBalanceOf(dave), 30, "partial freeze moved");
        assertTrue(!tok.isWalletFrozen(dave), "replacement keeps its own flag");
        assertEq(tok.balanceOf(alice), 0, "lost emptied");
        assertEq(tok.holderCount(), 1, "same investor");
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.NothingToRecover.selector, alice));
        tok.recoverWallet(ref(), alice, dave);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.InvestorMismatch.selector, dave, bob));
        tok.recoverWallet(ref(), dave, bob);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.WalletNotRegistered.selector, outsider));
        tok.recoverWallet(ref(), dave, outsider);
    }

    function test_partialFreeze_bounds() public {
        mintTo(alice, 100);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.InsufficientFreeBalance.selector, alice, 100, 101));
        tok.freezeTokens(ref(), alice, 101);
        tok.freezeTokens(ref(), alice, 60);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.FrozenAmountExceeded.selector, alice, 60, 61));
        tok.unfreezeTokens(ref(), alice, 61);
        tok.unfreezeTokens(ref(), alice, 60);
        assertEq(tok.frozenBalanceOf(alice), 0, "unfrozen");
    }

    function test_walletFreeze_toggle() public {
        tok.setWalletFrozen(ref(), bob, true);
        assertTrue(tok.isWalletFrozen(bob), "frozen");
        tok.setWalletFrozen(ref(), bob, false);
        assertTrue(!tok.isWalletFrozen(bob), "unfrozen");
    }

    function test_pause_unpause_errors() public {
        vm.expectRevert(SecurityToken.TokenNotPaused.selector);
        tok.unpause(ref());
        tok.pause(ref());
        assertTrue(tok.paused(), "paused");
        vm.expectRevert(SecurityToken.TokenPaused.selector);
        tok.pause(ref());
        tok.unpause(ref());
        assertTrue(!tok.paused(), "unpaused");
    }

    function test_documents() public {
        tok.setDocument(ref(), "prospectus", "ipfs://a", keccak256("a"));
        tok.setDocument(ref(), "terms", "ipfs://b", keccak256("b"));
        tok.setDocument(ref(), "prospectus", "ipfs://a2", keccak256("a2"));
        (string memory uri, bytes32 h, uint256 at) = tok.getDocument("prospectus");
        assertEq(uri, "ipfs://a2", "uri");
        assertEq(h, keccak256("a2"), "hash");
        assertEq(at, block.timestamp, "time");
        assertEq(tok.getAllDocuments().length, 2, "two");
        tok.removeDocument(ref(), "prospectus");
        bytes32[] memory names = tok.getAllDocuments();
        assertEq(names.length, 1, "one left");
        assertEq(names[0], bytes32("terms"), "terms left");
        vm.expectRevert(abi.encodeWithSelector(Documents.DocumentNotFound.selector, bytes32("prospectus")));
        tok.removeDocument(ref(), "prospectus");
        vm.expectRevert(abi.encodeWithSelector(Documents.InvalidDocument.selector, bytes32("x")));
        tok.setDocument(ref(), "x", "", bytes32(0));
    }

    function test_rules_setAndValidate() public {
        tok.setRules(ref(), 7, 123, 10, 1e24);
        SecurityToken.Rules memory r = tok.rules();
        assertEq(r.flags, 7, "flags");
        assertEq(r.lockupUntil, 123, "lockup");
        assertEq(r.maxHolders, 10, "holders");
        assertEq(r.maxInvestorBalance, 1e24, "max balance");
        vm.expectRevert(SecurityToken.InvalidRules.selector);
        tok.setRules(ref(), 8, 0, 0, 0);
    }

    function test_roles_enforced() public {
        bytes32 agent = tok.AGENT_ROLE();
        bytes32 compliance = tok.COMPLIANCE_ROLE();
        bytes32 r = bytes32(uint256(777));
        vm.startPrank(outsider);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, outsider, agent));
        tok.mint(r, alice, 1);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, outsider, agent));
        tok.pause(r);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, outsider, compliance));
        tok.setRules(r, 0, 0, 0, 0);
        vm.stopPrank();
        tok.grantRole(agent, outsider);
        vm.prank(outsider);
        tok.mint(r, alice, 1);
        assertEq(tok.balanceOf(alice), 1, "granted agent can mint");
    }

    function test_multiWalletInvestor_lazyInit() public {
        mintTo(alice, 100); // alice single-wallet: no investor slot yet
        reg.registerWallet(ref(), dave, ALICE, JP, FAR, 1); // now multi
        assertEq(tok.investorBalanceOf(ALICE), 100, "sum of wallets");
        tok.setRules(ref(), 0, 0, 0, 150);
        mintTo(dave, 50);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.TransferRestricted.selector, uint8(13)));
        tok.mint(ref(), dave, 1); // the max balance counts both wallets
        assertEq(tok.investorBalanceOf(ALICE), 150, "tracked");
    }
}
