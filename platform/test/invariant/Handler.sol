// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {InvestorRegistry} from "../../src/InvestorRegistry.sol";
import {SecurityToken} from "../../src/SecurityToken.sol";

interface IVm {
    function prank(address) external;
    function warp(uint256) external;
}

/// @notice Drives random investor and agent actions against one token. It holds the agent
/// roles, and records any transfer whose outcome disagrees with the rules.
contract Handler {
    IVm private constant vm = IVm(address(uint160(uint256(keccak256("hevm cheat code")))));
    InvestorRegistry public immutable reg;
    SecurityToken public immutable tok;
    address[] public wallets;
    uint64[] public investorOfWallet;
    uint256 public ruleBreaks; // transfers that succeeded although a rule forbade them
    uint256 public wrongRefusals; // transfers refused although detect said 0
    uint256 private _ref = 1_000_000;

    /// @param ids investor id of each wallet (0 = never registered)
    constructor(InvestorRegistry reg_, SecurityToken tok_, address[] memory ws, uint64[] memory ids) {
        reg = reg_;
        tok = tok_;
        wallets = ws;
        investorOfWallet = ids;
    }

    function walletCount() external view returns (uint256) {
        return wallets.length;
    }

    function _w(uint256 seed) private view returns (address) {
        return wallets[seed % wallets.length];
    }

    function _r() private returns (bytes32) {
        return bytes32(++_ref);
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = _w(fromSeed);
        address to = _w(toSeed);
        amount = amount % (tok.balanceOf(from) + 2);
        uint8 code = tok.detectTransferRestriction(from, to, amount);
        // independent view of the basic rules
        (,,,, bool fromActive) = reg.investorOf(from);
        (,,,, bool toActive) = reg.investorOf(to);
        bool basicOk = !tok.paused() && fromActive && toActive && reg.isVerified(from) && reg.isVerified(to)
            && !tok.isWalletFrozen(from) && !tok.isWalletFrozen(to)
            && amount <= tok.balanceOf(from) - tok.frozenBalanceOf(from);
        vm.prank(from);
        try tok.transfer(to, amount) {
            if (code != 0 || !basicOk) ruleBreaks++;
        } catch {
            if (code == 0) wrongRefusals++;
        }
    }

    function mint(uint256 toSeed, uint256 amount) external {
        try tok.mint(_r(), _w(toSeed), amount % 1e24) {} catch {}
    }

    function burn(uint256 fromSeed, uint256 amount) external {
        address from = _w(fromSeed);
        try tok.burn(_r(), from, amount % (tok.balanceOf(from) + 1)) {} catch {}
    }

    /// @dev The paying agent: one wallet pays two others (any of them may be unregistered,
    /// frozen or expired, or the token paused: the contract decides).
    function pay(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = _w(fromSeed);
        address[] memory to = new address[](2);
        uint256[] memory amounts = new uint256[](2);
        (to[0], to[1]) = (_w(toSeed), _w(toSeed / 7));
        uint256 a = amount % (tok.balanceOf(from) / 2 + 1);
        (amounts[0], amounts[1]) = (a, a / 3);
        try tok.batchPay(_r(), from, to, amounts) {} catch {}
    }

    function forced(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = _w(fromSeed);
        try tok.forcedTransfer(_r(), from, _w(toSeed), amount % (tok.balanceOf(from) + 1)) {} catch {}
    }

    function freezeWallet(uint256 seed, bool frozen) external {
        tok.setWalletFrozen(_r(), _w(seed), frozen);
    }

    function freezePart(uint256 seed, uint256 amount) external {
        address w = _w(seed);
        try tok.freezeTokens(_r(), w, amount % (tok.balanceOf(w) + 1)) {} catch {}
    }

    function unfreezePart(uint256 seed, uint256 amount) external {
        address w = _w(seed);
        try tok.unfreezeTokens(_r(), w, amount % (tok.frozenBalanceOf(w) + 1)) {} catch {}
    }

    function togglePause() external {
        if (tok.paused()) tok.unpause(_r());
        else tok.pause(_r());
    }

    function setKyc(uint256 seed, uint32 validFor, bool expired) external {
        uint256 i = seed % (wallets.length - 1); // the last wallet is never registered
        uint40 exp = expired ? uint40(block.timestamp - 1) : uint40(block.timestamp + validFor);
        reg.updateInvestor(_r(), investorOfWallet[i], 392, exp, 1);
    }

    function setRules(uint8 flags, uint32 maxHolders, uint128 maxBalance) external {
        tok.setRules(_r(), flags & 3, 0, maxHolders % 6, maxBalance % 1e24);
    }

    function recover(uint256 seed) external {
        // recover between the two wallets of investor 1 (wallets 0 and 1)
        if (seed % 2 == 0) {
            try tok.recoverWallet(_r(), wallets[0], wallets[1]) {} catch {}
        } else {
            try tok.recoverWallet(_r(), wallets[1], wallets[0]) {} catch {}
        }
    }

    function warp(uint16 secs) external {
        vm.warp(block.timestamp + secs);
    }
}
