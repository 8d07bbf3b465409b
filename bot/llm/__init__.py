"""The language model, shared: the Messages API client, its circuit breaker, and prompt quoting.

Generated answers (`bot.answer.grounded`) and the policy's second opinion (`bot.policy.llm_check`)
both call the model; keeping the client below both means neither depends on the other, and one
breaker makes them fail over to snippets and rules together.
"""
