// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {TestBase} from "./TestBase.sol";
import {InvestorRegistry} from "../../src/InvestorRegistry.sol";
import {SecurityToken} from "../../src/SecurityToken.sol";

/// @notice Shared setup: a registry and an 18-decimal token, this test contract as admin,
/// agent and compliance; personas alice (JP, accredited), bob (US, qualified), carol (DE, no
/// flags), dave (alice's second wallet), plus unregistered `outsider`.
abstract contract Fixture is TestBase {
    InvestorRegistry internal reg;
    SecurityToken internal tok;

    address internal constant alice = address(0xA11CE);
    address internal constant bob = address(0xB0B);
    address internal constant carol = address(0xCA201);
    address internal constant dave = address(0xDA7E); // alice's second wallet
    address internal constant outsider = address(0x0BAD);

    uint64 internal constant ALICE = 1;
    uint64 internal constant BOB = 2;
    uint64 internal constant CAROL = 3;
    uint16 internal constant JP = 392;
    uint16 internal constant US = 840;
    uint16 internal constant DE = 276;
    uint40 internal constant FAR = type(uint40).max;

    uint256 private _nextRef = 1;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        reg = new InvestorRegistry(address(this), address(this));
        tok = new SecurityToken("Shoken Bond 2030", "SB30", 18, reg, address(this), address(this), address(0));
        reg.registerWallet(ref(), alice, ALICE, JP, FAR, 1);
        reg.registerWallet(ref(), bob, BOB, US, FAR, 2);
        reg.registerWallet(ref(), carol, CAROL, DE, FAR, 0);
    }

    /// @dev A fresh action reference.
    function ref() internal returns (bytes32) {
        return bytes32(_nextRef++);
    }

    function mintTo(address to, uint256 amount) internal {
        tok.mint(ref(), to, amount);
    }
}
