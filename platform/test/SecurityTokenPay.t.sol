// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Fixture} from "./utils/Fixture.sol";
import {SecurityToken} from "../src/SecurityToken.sol";

/// @notice The paying agent: batchPay (cash to holders of record) and batchBurn at a redemption.
/// (Gas is measured by bench/gas_bench.py on anvil, one transaction each: inside a forge test
/// every slot is warm after setUp, which hides the cold reads that dominate a real payment.)
contract SecurityTokenPayTest is Fixture {
    event Transfer(address indexed from, address indexed to, uint256 value);
    event BatchPaid(bytes32 indexed ref, address indexed from, uint256 count, uint256 total);

    address internal constant treasury = address(0x7EA5);
    uint64 internal constant ISSUER = 9;

    function setUp() public override {
        super.setUp();
        reg.registerWallet(ref(), treasury, ISSUER, JP, FAR, 0);
        mintTo(treasury, 1_000);
    }

    function _pay(bytes32 r, address a, uint256 x, address b, uint256 y) internal {
        address[] memory to = new address[](2);
        uint256[] memory amounts = new uint256[](2);
        (to[0], to[1], amounts[0], amounts[1]) = (a, b, x, y);
        tok.batchPay(r, treasury, to, amounts);
    }

    function test_batchPay_movesCashToEveryRecipient() public {
        mintTo(alice, 5); // an existing holder and a new one
        bytes32 r = ref();
        vm.expectEmit(true, true, false, true, address(tok));
        emit Transfer(treasury, alice, 100);
        vm.expectEmit(true, true, false, true, address(tok));
        emit Transfer(treasury, bob, 250);
        vm.expectEmit(true, true, false, true, address(tok));
        emit BatchPaid(r, treasury, 2, 350);
        _pay(r, alice, 100, bob, 250);
        assertEq(tok.balanceOf(treasury), 650, "paying wallet debited once for the total");
        assertEq(tok.balanceOf(alice), 105, "alice");
        assertEq(tok.balanceOf(bob), 250, "bob");
        assertEq(tok.totalSupply(), 1_005, "supply unchanged");
        assertEq(tok.holderCount(), 3, "bob joined");
        assertTrue(tok.isRefUsed(r), "ref used");
    }

    function test_batchPay_refusesAReplayedRef() public {
        bytes32 r = ref();
        _pay(r, alice, 1, bob, 1);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.RefAlreadyUsed.selector, r));
        _pay(r, alice, 1, bob, 1);
        assertEq(tok.balanceOf(alice), 1, "paid once");
    }

    function test_batchPay_lengthMismatch() public {
        address[] memory to = new address[](2);
        (to[0], to[1]) = (alice, bob);
        vm.expectRevert(SecurityToken.LengthMismatch.selector);
        tok.batchPay(ref(), treasury, to, new uint256[](1));
    }

    function test_batchPay_refusedWhilePaused() public {
        tok.pause(ref());
        vm.expectRevert(SecurityToken.TokenPaused.selector);
        _pay(ref(), alice, 1, bob, 1);
    }

    function test_batchPay_everyRecipientMustBeRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.WalletNotRegistered.selector, outsider));
        _pay(ref(), alice, 1, outsider, 1);
        reg.revokeWallet(ref(), carol);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.WalletNotRegistered.selector, carol));
        _pay(ref(), carol, 1, bob, 1);
        assertEq(tok.balanceOf(treasury), 1_000, "nothing moved");
    }

    function test_batchPay_needsTheFreeBalanceOfThePayingWallet() public {
        tok.freezeTokens(ref(), treasury, 600);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.InsufficientFreeBalance.selector, treasury, 400, 401));
        _pay(ref(), alice, 400, bob, 1);
        _pay(ref(), alice, 399, bob, 1);
        assertEq(tok.balanceOf(treasury), 600, "the frozen part stays");
        tok.setWalletFrozen(ref(), treasury, true);
        vm.expectRevert(abi.encodeWithSelector(SecurityToken.WalletFrozen.selector, treasury));
        _pay(ref(), alice, 0, bob, 0);
    }

    function test_batchPay_paysExpiredAndFrozenHoldersAndIgnoresTransferRules() public {
        reg.updateInvestor(ref(), BOB, US, 1, 2); // KYC expired
        tok.setWalletFrozen(ref(), alice, true);
        uint16[] memory none = new uint16[](0);
        tok.setCountriesAllowed(ref(), none, true);
        tok.setRules(ref(), 1 | 2, uint40(block.timestamp + 1 days), 1, 5); // nobody may receive by transfer
        _pay(ref(), alice, 10, bob, 20);
        assertEq(tok.balanceOf(alice), 10, "frozen wallet paid");
        assertEq(tok.balanceOf(bob), 20, "expired KYC paid");
        assertEq(tok.transferableBalanceOf(alice), 0, "a frozen wallet cannot move it out");
    }

    function test_batchPay_agentOnly() public {
        address[] memory to = new address[](1);
        to[0] = alice;
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = 1;
        bytes32 agent = tok.AGENT_ROLE();
        vm.prank(treasury);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, treasury, agent)
        );
        tok.batchPay(ref(), treasury, to, amounts);
    }

    function test_batchPay_holderCountWhenThePayerEmptiesAndMultiWalletInvestors() public {
        reg.registerWallet(ref(), dave, ALICE, JP, FAR, 1); // alice: two wallets
        mintTo(dave, 7);
        assertEq(tok.holderCount(), 2, "treasury + alice");
        _pay(ref(), alice, 400, dave, 600); // the payer empties, alice's second wallet grows
        assertEq(tok.holderCount(), 1, "treasury left, alice counted once");
        assertEq(tok.investorBalanceOf(ALICE), 1_007, "alice's investor balance");
        assertEq(tok.balanceOf(treasury), 0, "treasury");
    }

    function testFuzz_batchPay_keepsSupplyEqualToBalances(uint256 a, uint256 b, uint256 c) public {
        a = bound(a, 0, 1_000);
        b = bound(b, 0, 1_000 - a);
        c = bound(c, 0, 1_000 - a - b);
        address[] memory to = new address[](3);
        uint256[] memory amounts = new uint256[](3);
        (to[0], to[1], to[2]) = (alice, bob, carol);
        (amounts[0], amounts[1], amounts[2]) = (a, b, c);
        tok.batchPay(ref(), treasury, to, amounts);
        uint256 sum = tok.balanceOf(treasury) + tok.balanceOf(alice) + tok.balanceOf(bob) + tok.balanceOf(carol);
        assertEq(sum, tok.totalSupply(), "sum of balances = totalSupply");
        uint256 holders = (tok.balanceOf(treasury) > 0 ? 1 : 0) + (a > 0 ? 1 : 0) + (b > 0 ? 1 : 0) + (c > 0 ? 1 : 0);
        assertEq(tok.holderCount(), holders, "holders");
    }

    function test_batchBurn_atRedemption_whilePaused_burnsFrozenUnits() public {
        mintTo(alice, 100);
        mintTo(bob, 50);
        tok.freezeTokens(ref(), alice, 30);
        tok.setWalletFrozen(ref(), bob, true);
        tok.pause(ref()); // the register pauses the security from its redemption record date
        address[] memory from = new address[](2);
        uint256[] memory amounts = new uint256[](2);
        (from[0], from[1], amounts[0], amounts[1]) = (alice, bob, 100, 50);
        tok.batchBurn(ref(), from, amounts);
        assertEq(tok.balanceOf(alice) + tok.balanceOf(bob), 0, "everything burned");
        assertEq(tok.frozenBalanceOf(alice), 0, "frozen units burned");
        assertEq(tok.totalSupply(), 1_000, "only the treasury's cash-like units remain");
        assertEq(tok.holderCount(), 1, "holders");
    }
}
