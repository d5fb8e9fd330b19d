// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Bench-only baseline: a plain OpenZeppelin 5 ERC-20 with an open mint.
/// Never deployed by the platform; lives outside platform/src on purpose.
contract PlainERC20 is ERC20 {
    constructor() ERC20("Plain", "PLN") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function batchMint(address[] calldata to, uint256[] calldata amounts) external {
        for (uint256 i; i < to.length; ++i) {
            _mint(to[i], amounts[i]);
        }
    }
}
