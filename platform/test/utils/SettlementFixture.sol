// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Fixture} from "./Fixture.sol";
import {SecurityToken} from "../../src/SecurityToken.sol";
import {Settlement} from "../../src/Settlement.sol";

/// @notice Delivery versus payment setup on top of {Fixture}: a {Settlement} operated by this
/// test contract, a security `sec` and a 0-decimal cash token `cash` that both grant it
/// SETTLEMENT_ROLE, and three registered wallets with keys: `seller` (JP) holding 1,000
/// units, `buyer` (US) holding 1,000,000 yen, and `treasury` (the issuer's, JP).
abstract contract SettlementFixture is Fixture {
    Settlement internal settlement;
    SecurityToken internal sec;
    SecurityToken internal cash;

    uint256 internal constant SELLER_KEY = 0x5E11E2;
    uint256 internal constant BUYER_KEY = 0xB0E2;
    uint256 internal constant TREASURY_KEY = 0x72EA5;
    uint256 internal constant OTHER_KEY = 0x07E2;
    address internal seller;
    address internal buyer;
    address internal treasury;
    uint256 internal nextNonce = 1;

    function setUp() public virtual override {
        super.setUp();
        settlement = new Settlement(address(this), address(this));
        sec = new SecurityToken("Shoken Bond 2031", "SB31", 0, reg, address(this), address(this), address(settlement));
        cash = new SecurityToken("Shoken Yen", "JPYS", 0, reg, address(this), address(this), address(settlement));
        seller = vm.addr(SELLER_KEY);
        buyer = vm.addr(BUYER_KEY);
        treasury = vm.addr(TREASURY_KEY);
        reg.registerWallet(ref(), seller, 10, JP, FAR, 0);
        reg.registerWallet(ref(), buyer, 11, US, FAR, 0);
        reg.registerWallet(ref(), treasury, 12, JP, FAR, 0);
        sec.mint(ref(), seller, 1000);
        cash.mint(ref(), buyer, 1_000_000);
    }

    /// @dev A delivery of `units` for `price` seller -> buyer, fresh nonce, valid for an hour.
    function delivery(uint256 units, uint256 price) internal returns (Settlement.Delivery memory) {
        return Settlement.Delivery({
            security: address(sec),
            units: units,
            seller: seller,
            buyer: buyer,
            cash: address(cash),
            price: price,
            nonce: nextNonce++,
            deadline: block.timestamp + 3600
        });
    }

    function signed(uint256 key, Settlement.Delivery memory d) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, settlement.deliveryDigest(d));
        return abi.encodePacked(r, s, v);
    }

    function settleSigned(Settlement.Delivery memory d) internal {
        settlement.settle(d, signed(SELLER_KEY, d), signed(BUYER_KEY, d));
    }
}
