"""The domain layer: what every stage shares about the forms themselves.

Finding codes (`codes`), the vocabulary of printed labels and headers (`vocabulary`), and how a
value is written for a reviewer (`format`). It imports nothing of jixiao but the contract
(`jixiao.models`) and the value readers (`jixiao.values`); every stage may import it.
"""
