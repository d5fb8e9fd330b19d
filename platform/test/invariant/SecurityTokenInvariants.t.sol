// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {TestBase} from "../utils/TestBase.sol";
import {InvestorRegistry} from "../../src/InvestorRegistry.sol";
import {SecurityToken} from "../../src/SecurityToken.sol";
import {Handler} from "./Handler.sol";

/// @notice Invariants under random sequences of investor and agent actions.
contract SecurityTokenInvariants is TestBase {
    InvestorRegistry private reg;
    SecurityToken private tok;
    Handler private handler;
    uint64 private constant INVESTORS = 4;

    function setUp() public {
        vm.warp(1_700_000_000);
        reg = new InvestorRegistry(address(this), address(this));
        tok = new SecurityToken("Inv", "INV", 0, reg, address(this), address(this), address(0));
        // investor 1 owns two wallets; investors 2..4 one each; the last wallet is never registered
        address[] memory ws = new address[](6);
        uint64[] memory ids = new uint64[](6);
        uint256 n;
        for (uint64 id = 1; id <= INVESTORS; ++id) {
            uint256 count = id == 1 ? 2 : 1;
            for (uint256 k; k < count; ++k) {
                ws[n] = address(uint160(0x1000 + n));
                ids[n] = id;
                reg.registerWallet(bytes32(++n), ws[n - 1], id, 392, type(uint40).max, 1);
            }
        }
        ws[5] = address(0xBEEF);
        handler = new Handler(reg, tok, ws, ids);
        reg.grantRole(reg.AGENT_ROLE(), address(handler));
        tok.grantRole(tok.AGENT_ROLE(), address(handler));
        tok.grantRole(tok.COMPLIANCE_ROLE(), address(handler));
        targetContract(address(handler));
    }

    function invariant_totalSupplyEqualsSumOfBalances() public view {
        uint256 sum;
        for (uint256 i; i < handler.walletCount(); ++i) sum += tok.balanceOf(handler.wallets(i));
        assertEq(tok.totalSupply(), sum, "supply");
    }

    function invariant_frozenNeverAboveBalance() public view {
        for (uint256 i; i < handler.walletCount(); ++i) {
            address w = handler.wallets(i);
            assertLe(tok.frozenBalanceOf(w), tok.balanceOf(w), "frozen <= balance");
        }
    }

    function invariant_noRuleBreakingTransferSucceeds() public view {
        assertEq(handler.ruleBreaks(), 0, "rule-breaking transfers");
        assertEq(handler.wrongRefusals(), 0, "allowed transfers refused");
    }

    function invariant_holdersAndInvestorBalances() public view {
        uint256 holders;
        for (uint64 id = 1; id <= INVESTORS; ++id) {
            uint256 sum;
            for (uint256 i; i < handler.walletCount(); ++i) {
                if (handler.investorOfWallet(i) == id) sum += tok.balanceOf(handler.wallets(i));
            }
            assertEq(tok.investorBalanceOf(id), sum, "investor balance");
            if (sum > 0) holders++;
        }
        assertEq(tok.holderCount(), holders, "holder count by investor");
    }
}
