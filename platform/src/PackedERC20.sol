// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

/// @title PackedERC20
/// @notice ERC-20 core whose per-wallet state is ONE storage word:
///
/// | bits     | field        |
/// |----------|--------------|
/// | 0..127   | balance      |
/// | 128..247 | frozenAmount | part of the balance that cannot move (partial freeze) |
/// | 255      | walletFrozen | the whole wallet is frozen                            |
///
/// OpenZeppelin's ERC20 keeps balances in a private mapping, so a token adding freezes on
/// top of it pays a second cold storage read per wallet and transfer. Keeping the freeze
/// state in the balance word saves that read. The implementation follows the OpenZeppelin 5
/// interfaces and errors (IERC20, IERC20Metadata, IERC6093) and leaves every balance move to
/// the inheriting contract, which must keep `totalSupply <= MAX_SUPPLY` so balances never
/// spill into the frozen bits.
abstract contract PackedERC20 is IERC20, IERC20Metadata, IERC20Errors {
    uint256 internal constant BALANCE_MASK = type(uint128).max;
    uint256 internal constant FROZEN_SHIFT = 128;
    uint256 internal constant FROZEN_AMOUNT_MASK = type(uint120).max;
    uint256 internal constant WALLET_FROZEN_BIT = 1 << 255;
    /// @notice Upper bound of the total supply (fits the 120-bit frozen field too).
    uint256 public constant MAX_SUPPLY = type(uint120).max;

    mapping(address wallet => uint256 word) internal _wallets;
    mapping(address owner => mapping(address spender => uint256)) private _allowances;
    uint256 internal _totalSupply;
    string private _name;
    string private _symbol;
    uint8 private immutable _decimals;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) {
        _name = name_;
        _symbol = symbol_;
        _decimals = decimals_;
    }

    function name() external view returns (string memory) {
        return _name;
    }

    function symbol() external view returns (string memory) {
        return _symbol;
    }

    function decimals() external view returns (uint8) {
        return _decimals;
    }

    function totalSupply() external view returns (uint256) {
        return _totalSupply;
    }

    function balanceOf(address account) public view returns (uint256) {
        return _wallets[account] & BALANCE_MASK;
    }

    function allowance(address owner, address spender) external view returns (uint256) {
        return _allowances[owner][spender];
    }

    function approve(address spender, uint256 value) external returns (bool) {
        if (spender == address(0)) revert ERC20InvalidSpender(address(0));
        _allowances[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _transferChecked(msg.sender, to, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 current = _allowances[from][msg.sender];
        if (current != type(uint256).max) {
            if (current < value) revert ERC20InsufficientAllowance(msg.sender, current, value);
            unchecked {
                _allowances[from][msg.sender] = current - value;
            }
        }
        _transferChecked(from, to, value);
        return true;
    }

    /// @dev Moves `value` from `from` to `to` after the token's compliance checks.
    function _transferChecked(address from, address to, uint256 value) internal virtual;

    // ---- word helpers

    function _balanceOfWord(uint256 w) internal pure returns (uint256) {
        return w & BALANCE_MASK;
    }

    function _frozenOfWord(uint256 w) internal pure returns (uint256) {
        return (w >> FROZEN_SHIFT) & FROZEN_AMOUNT_MASK;
    }

    function _isFrozenWord(uint256 w) internal pure returns (bool) {
        return w & WALLET_FROZEN_BIT != 0;
    }

    /// @dev Balance not covered by a partial freeze (ignores the wallet freeze flag).
    function _freeOfWord(uint256 w) internal pure returns (uint256) {
        return (w & BALANCE_MASK) - ((w >> FROZEN_SHIFT) & FROZEN_AMOUNT_MASK);
    }

    function _packWord(uint256 balance, uint256 frozenAmount, bool walletFrozen) internal pure returns (uint256) {
        return balance | (frozenAmount << FROZEN_SHIFT) | (walletFrozen ? WALLET_FROZEN_BIT : 0);
    }
}
