// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SettlementFixture} from "./utils/SettlementFixture.sol";
import {SecurityToken} from "../src/SecurityToken.sol";
import {Settlement} from "../src/Settlement.sol";
import {RestrictionCodes as RC} from "../src/RestrictionCodes.sol";

/// @notice Delivery versus payment: both legs or nothing, authorizations (deadline, nonce,
/// signatures), each leg's ERC-1404 refusal, who may submit, and the primary (mint) path.
contract SettlementTest is SettlementFixture {
    function assertUntouched() internal view {
        assertEq(sec.balanceOf(seller), 1000, "seller units");
        assertEq(sec.balanceOf(buyer), 0, "buyer units");
        assertEq(cash.balanceOf(buyer), 1_000_000, "buyer cash");
        assertEq(cash.balanceOf(seller), 0, "seller cash");
    }

    function expectRefused(Settlement.Delivery memory d, bytes memory err) internal {
        bytes memory s = signed(SELLER_KEY, d);
        bytes memory b = signed(BUYER_KEY, d);
        vm.expectRevert(err);
        settlement.settle(d, s, b);
        assertUntouched();
        assertTrue(!settlement.isUsed(d.nonce), "nonce still free");
    }

    // ---------------------------------------------------------------- the happy path

    function test_settle_movesBothLegs_andEmits() public {
        Settlement.Delivery memory d = delivery(40, 250_000);
        vm.expectEmit(true, true, true, true, address(sec));
        emit IERC20.Transfer(seller, buyer, 40);
        vm.expectEmit(true, true, true, true, address(cash));
        emit IERC20.Transfer(buyer, seller, 250_000);
        vm.expectEmit(true, true, true, true, address(settlement));
        emit Settlement.Settled(d.nonce, address(sec), buyer, seller, 40, address(cash), 250_000, false);
        settleSigned(d);
        assertEq(sec.balanceOf(seller), 960, "seller units");
        assertEq(sec.balanceOf(buyer), 40, "buyer units");
        assertEq(cash.balanceOf(buyer), 750_000, "buyer cash");
        assertEq(cash.balanceOf(seller), 250_000, "seller cash");
        assertEq(sec.holderCount(), 2, "buyer became a holder");
        assertTrue(settlement.isUsed(d.nonce), "nonce used");
    }

    function test_deadline_isInclusive() public {
        Settlement.Delivery memory d = delivery(1, 1);
        vm.warp(d.deadline);
        settleSigned(d);
        assertEq(sec.balanceOf(buyer), 1, "settled at the deadline");
    }

    /// @dev The domain and struct hash the platform's signers use (investors/authorization.py).
    function test_digest_isTheEip712TypedDataHash() public {
        Settlement.Delivery memory d = delivery(7, 9);
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Shoken Settlement"),
                keccak256("1"),
                block.chainid,
                address(settlement)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "Delivery(address security,uint256 units,address seller,address buyer,address cash,"
                    "uint256 price,uint256 nonce,uint256 deadline)"
                ),
                d.security, d.units, d.seller, d.buyer, d.cash, d.price, d.nonce, d.deadline
            )
        );
        assertEq(settlement.domainSeparator(), domain, "domain separator");
        assertEq(
            settlement.deliveryDigest(d), keccak256(abi.encodePacked("\x19\x01", domain, structHash)), "digest"
        );
    }

    // ---------------------------------------------------------------- both legs or nothing

    function testFuzz_bothLegsOrNothing(uint256 units, uint256 price, bool frozenPart) public {
        units = bound(units, 1, 2000);
        price = bound(price, 1, 2_000_000);
        if (frozenPart) sec.freezeTokens(ref(), seller, 300); // 700 free
        uint256 free = frozenPart ? 700 : 1000;
        Settlement.Delivery memory d = delivery(units, price);
        bytes memory s = signed(SELLER_KEY, d);
        bytes memory b = signed(BUYER_KEY, d);
        (bool ok, bytes memory ret) = address(settlement).call(abi.encodeCall(Settlement.settle, (d, s, b)));
        bool shouldSettle = units <= free && price <= 1_000_000;
        assertTrue(ok == shouldSettle, "settles exactly when both legs can move");
        if (ok) {
            assertEq(sec.balanceOf(buyer), units, "units delivered");
            assertEq(cash.balanceOf(seller), price, "cash paid");
            assertEq(sec.balanceOf(seller) + sec.balanceOf(buyer), 1000, "units conserved");
            assertEq(cash.balanceOf(seller) + cash.balanceOf(buyer), 1_000_000, "cash conserved");
        } else {
            assertUntouched();
            bytes memory want = units > free
                ? abi.encodeWithSelector(Settlement.SecurityLegRestricted.selector, RC.INSUFFICIENT_FREE_BALANCE)
                : abi.encodeWithSelector(Settlement.CashLegRestricted.selector, RC.INSUFFICIENT_FREE_BALANCE);
            assertEq(keccak256(ret), keccak256(want), "the failing leg is named");
        }
        assertTrue(settlement.isUsed(d.nonce) == ok, "nonce spent only by a settlement");
    }

    // ---------------------------------------------------------------- authorizations

    function test_expired() public {
        Settlement.Delivery memory d = delivery(10, 100);
        vm.warp(d.deadline + 1);
        expectRefused(d, abi.encodeWithSelector(Settlement.AuthorizationExpired.selector, d.deadline));
    }

    function test_replayedNonce() public {
        Settlement.Delivery memory d = delivery(10, 100);
        settleSigned(d);
        bytes memory s = signed(SELLER_KEY, d);
        bytes memory b = signed(BUYER_KEY, d);
        vm.expectRevert(abi.encodeWithSelector(Settlement.AuthorizationUsed.selector, d.nonce));
        settlement.settle(d, s, b);
        assertEq(sec.balanceOf(buyer), 10, "moved once");
        assertEq(cash.balanceOf(seller), 100, "paid once");
    }

    function test_signatureByAnotherKey() public {
        Settlement.Delivery memory d = delivery(10, 100);
        bytes memory s = signed(OTHER_KEY, d);
        bytes memory b = signed(BUYER_KEY, d);
        vm.expectRevert(abi.encodeWithSelector(Settlement.InvalidSignature.selector, seller));
        settlement.settle(d, s, b);
        assertUntouched();
    }

    function test_wrongPartySignature() public {
        Settlement.Delivery memory d = delivery(10, 100);
        bytes memory s = signed(SELLER_KEY, d);
        vm.expectRevert(abi.encodeWithSelector(Settlement.InvalidSignature.selector, buyer));
        settlement.settle(d, s, s); // the seller's signature in the buyer's place
        assertUntouched();
    }

    function test_alteredTerms_invalidateTheSignatures() public {
        Settlement.Delivery memory d = delivery(10, 100);
        bytes memory s = signed(SELLER_KEY, d);
        bytes memory b = signed(BUYER_KEY, d);
        d.price = 1; // the operator cannot change what was signed
        vm.expectRevert(abi.encodeWithSelector(Settlement.InvalidSignature.selector, seller));
        settlement.settle(d, s, b);
        assertUntouched();
    }

    function test_malformedSignature() public {
        Settlement.Delivery memory d = delivery(10, 100);
        bytes memory b = signed(BUYER_KEY, d);
        vm.expectRevert(abi.encodeWithSelector(Settlement.InvalidSignature.selector, seller));
        settlement.settle(d, hex"1234", b);
    }

    // ---------------------------------------------------------------- each leg's restrictions

    function test_notEnoughCash() public {
        expectRefused(
            delivery(10, 1_000_001),
            abi.encodeWithSelector(Settlement.CashLegRestricted.selector, RC.INSUFFICIENT_FREE_BALANCE)
        );
    }

    function test_ineligibleBuyer() public {
        sec.setRules(ref(), sec.RULE_ACCREDITED_ONLY(), 0, 0, 0);
        expectRefused(
            delivery(10, 100), abi.encodeWithSelector(Settlement.SecurityLegRestricted.selector, RC.NOT_ACCREDITED)
        );
    }

    function test_pausedToken() public {
        sec.pause(ref());
        expectRefused(delivery(10, 100), abi.encodeWithSelector(Settlement.SecurityLegRestricted.selector, RC.PAUSED));
    }

    function test_pausedCash() public {
        cash.pause(ref());
        expectRefused(delivery(10, 100), abi.encodeWithSelector(Settlement.CashLegRestricted.selector, RC.PAUSED));
    }

    function test_frozenSeller() public {
        sec.setWalletFrozen(ref(), seller, true);
        expectRefused(
            delivery(10, 100), abi.encodeWithSelector(Settlement.SecurityLegRestricted.selector, RC.FROM_FROZEN)
        );
    }

    function test_frozenBuyerCash() public {
        cash.setWalletFrozen(ref(), buyer, true);
        expectRefused(delivery(10, 100), abi.encodeWithSelector(Settlement.CashLegRestricted.selector, RC.FROM_FROZEN));
    }

    function test_invalidDeliveries() public {
        bytes memory invalid = abi.encodeWithSelector(Settlement.InvalidDelivery.selector);
        expectRefused(delivery(0, 100), invalid);
        expectRefused(delivery(10, 0), invalid);
        Settlement.Delivery memory d = delivery(10, 100);
        d.buyer = seller;
        expectRefused(d, invalid);
        d = delivery(10, 100);
        d.cash = address(sec);
        expectRefused(d, invalid);
    }

    // ---------------------------------------------------------------- who may call

    function test_onlyOperatorSubmits() public {
        Settlement.Delivery memory d = delivery(10, 100);
        bytes memory s = signed(SELLER_KEY, d);
        bytes memory b = signed(BUYER_KEY, d);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, outsider, settlement.OPERATOR_ROLE()
            )
        );
        vm.prank(outsider);
        settlement.settle(d, s, b);
        assertUntouched();
    }

    function test_onlySettlementMovesBalances() public {
        bytes32 role = sec.SETTLEMENT_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, address(this), role)
        );
        sec.settlementTransfer(seller, buyer, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, address(this), role)
        );
        sec.settlementMint(ref(), buyer, 1);
        // A token deployed without a settlement contract does not let it in.
        Settlement.Delivery memory d = delivery(10, 100);
        d.security = address(tok);
        bytes memory s = signed(SELLER_KEY, d);
        bytes memory b = signed(BUYER_KEY, d);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, address(settlement), role
            )
        );
        settlement.settle(d, s, b);
    }

    // ---------------------------------------------------------------- primary

    function primary(uint256 units, uint256 price) internal returns (Settlement.Delivery memory d) {
        d = delivery(units, price);
        d.seller = treasury;
    }

    function test_primary_mintsAndPaysTheTreasury() public {
        Settlement.Delivery memory d = primary(50, 500_000);
        bytes32 mintRef = settlement.primaryRef(d.nonce);
        vm.expectEmit(true, true, true, true, address(sec));
        emit IERC20.Transfer(address(0), buyer, 50);
        vm.expectEmit(true, true, true, true, address(sec));
        emit SecurityToken.Minted(mintRef, buyer, 50);
        vm.expectEmit(true, true, true, true, address(cash));
        emit IERC20.Transfer(buyer, treasury, 500_000);
        vm.expectEmit(true, true, true, true, address(settlement));
        emit Settlement.Settled(d.nonce, address(sec), buyer, treasury, 50, address(cash), 500_000, true);
        settlement.settlePrimary(d, signed(BUYER_KEY, d));
        assertEq(sec.balanceOf(buyer), 50, "units minted");
        assertEq(sec.totalSupply(), 1050, "supply");
        assertEq(cash.balanceOf(treasury), 500_000, "treasury paid");
        assertTrue(sec.isRefUsed(mintRef), "mint ref recorded");
    }

    function test_primary_ineligibleBuyer_mintsNothing() public {
        sec.setRules(ref(), sec.RULE_QUALIFIED_ONLY(), 0, 0, 0);
        Settlement.Delivery memory d = primary(50, 500_000);
        bytes memory b = signed(BUYER_KEY, d);
        vm.expectRevert(abi.encodeWithSelector(Settlement.SecurityLegRestricted.selector, RC.NOT_QUALIFIED));
        settlement.settlePrimary(d, b);
        assertEq(sec.totalSupply(), 1000, "nothing minted");
        assertTrue(!sec.isRefUsed(settlement.primaryRef(d.nonce)), "ref not spent");
    }

    function test_primary_notEnoughCash_mintsNothing() public {
        Settlement.Delivery memory d = primary(50, 2_000_000);
        bytes memory b = signed(BUYER_KEY, d);
        vm.expectRevert(
            abi.encodeWithSelector(Settlement.CashLegRestricted.selector, RC.INSUFFICIENT_FREE_BALANCE)
        );
        settlement.settlePrimary(d, b);
        assertEq(sec.totalSupply(), 1000, "nothing minted");
        assertEq(cash.balanceOf(buyer), 1_000_000, "cash kept");
    }

    function test_primary_needsTheBuyersSignature() public {
        Settlement.Delivery memory d = primary(50, 500_000);
        bytes memory t = signed(TREASURY_KEY, d);
        vm.expectRevert(abi.encodeWithSelector(Settlement.InvalidSignature.selector, buyer));
        settlement.settlePrimary(d, t);
    }
}
